import Foundation

/// R's `deparse()` of a parsed expression, as used for model-frame variable names and
/// model-matrix column names.
///
/// Binary `+ - * == %in%` etc. get spaces; `^`, `:`, `/`, `%%` and `%/%` get none; unary operators attach
/// (`-x`); calls print as `f(a, b = 2)`; numbers use 15 significant digits (`1e-04`, `1e+05`);
/// strings are double-quoted; non-syntactic names are backquoted; parentheses are kept.
///
///     deparse(try RowExpression.parse("I((age-25)^2)").expression)  // "I((age - 25)^2)"
public func deparse(_ e: FormulaExpression) -> String {
  var out = ""
  deparse(e, into: &out)
  return out
}

/// Appends the deparsed `e` to `out`. The recursion runs through this small function and the
/// two helpers for calls and operators, so that the deepest tree the parser accepts fits a
/// 512 KiB stack.
private func deparse(_ e: FormulaExpression, into out: inout String) {
  switch e.kind {
  case .call(let f, let args): deparseCall(f, args, into: &out)
  case .unary(let op, let x):
    out += op.rawValue
    deparse(x, into: &out)
  case .binary(let op, let l, let r): deparseBinary(op, l, r, into: &out)
  case .parenthesized(let x):
    out += "("
    deparse(x, into: &out)
    out += ")"
  default: out += deparseLeaf(e)
  }
}

private func deparseCall(_ f: String, _ args: [CallArgument], into out: inout String) {
  out += quotedName(f) + "("
  for (k, arg) in args.enumerated() {
    if k > 0 { out += ", " }
    if let label = arg.label { out += quotedName(label) + " = " }
    deparse(arg.value, into: &out)
  }
  out += ")"
}

private func deparseBinary(_ op: BinaryOperator, _ l: FormulaExpression, _ r: FormulaExpression, into out: inout String) {
  deparse(l, into: &out)
  switch op {
  case .power, .colon, .divide, .modulo, .integerDivide: out += op.rawValue
  default: out += " " + op.rawValue + " "
  }
  deparse(r, into: &out)
}

private func deparseLeaf(_ e: FormulaExpression) -> String {
  switch e.kind {
  case .name(let n): return quotedName(n)
  case .number(let v): return formatRNumber(v)
  case .integer(let v): return "\(v)L"
  case .string(let s): return quotedString(s)
  case .logical(let b): return b ? "TRUE" : "FALSE"
  default: return "NA"  // .missing
  }
}

private let reservedWords: Set<String> = [
  "if", "else", "repeat", "while", "function", "for", "next", "break", "TRUE", "FALSE", "NULL",
  "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_", "NA_complex_", "in",
]

/// Whether `name` is a syntactic R name (needs no backquotes).
func isSyntacticName(_ name: String) -> Bool {
  guard let first = name.first, !reservedWords.contains(name) else { return false }
  if name == "..." { return true }
  if first == "." {
    if name.count > 1 {
      let second = name[name.index(after: name.startIndex)]
      if second.isNumber { return false }
    }
  } else if !first.isLetter {
    return false
  }
  return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" }
}

/// The name as R's deparse prints it, backquoted when not syntactic.
func quotedName(_ name: String) -> String {
  isSyntacticName(name) ? name : "`" + name + "`"
}

/// A string literal as R's deparse prints it.
func quotedString(_ s: String) -> String {
  var out = "\""
  for c in s {
    switch c {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\t": out += "\\t"
    case "\r": out += "\\r"
    default: out.append(c)
    }
  }
  return out + "\""
}

/// A double formatted as R's `as.character()` / `deparse()` do: at most 15 significant digits,
/// fixed notation unless scientific is strictly narrower (`1e+05`, `1e-04`, `0.001`, `123456`).
public func formatRNumber(_ x: Double) -> String {
  if x.isNaN { return "NaN" }
  if x.isInfinite { return x < 0 ? "-Inf" : "Inf" }
  if x == 0 { return "0" }
  let sci = String(format: "%.14e", x)
  // mantissa digits and exponent of the 15-significant-digit representation
  guard let eIndex = sci.firstIndex(where: { $0 == "e" }), let exponent = Int(sci[sci.index(after: eIndex)...])
  else { return sci }
  let mantissa = sci[..<eIndex].filter { $0.isNumber }
  var nsig = mantissa.count
  for c in mantissa.reversed() {
    if c == "0" && nsig > 1 { nsig -= 1 } else { break }
  }
  let neg = x < 0 ? 1 : 0
  let rgt = max(0, nsig - exponent - 1)
  let left = exponent >= 0 ? exponent + 1 : 1
  let fixedWidth = neg + left + (rgt > 0 ? rgt + 1 : 0)
  let sciWidth = neg + (nsig > 1 ? nsig + 1 : 1) + (abs(exponent) >= 100 ? 5 : 4)
  if fixedWidth <= sciWidth {
    return String(format: "%.\(rgt)f", x)
  }
  return String(format: "%.\(nsig - 1)e", x)
}
