import Foundation
import StrataData

/// A value produced by evaluating an expression over all rows of a data frame.
enum EvaluatedValue {
  /// Per-row numbers; NaN is NA.
  case numeric([Double])
  /// Per-row logicals as 0/1; NaN is NA.
  case logical([Double])
  /// Per-row categories: codes into `levels`, -1 missing.
  case factor(codes: [Int32], levels: [String])
  /// A numeric matrix (as from `poly`), with column names.
  case matrix(columns: [[Double]], names: [String])
  /// A numeric constant.
  case scalar(Double)
  /// A logical constant (0/1, NaN for NA).
  case logicalScalar(Double)
  /// A string constant.
  case string(String)
  /// `c("a", "b")`.
  case strings([String])
  /// `c(1, 2)`.
  case numbers([Double])
}

/// Evaluates R expressions column-wise over a data frame (vectorised over rows).
struct Evaluator {
  let data: DataFrame
  /// The variable being evaluated, for error messages.
  let context: String

  var rowCount: Int { data.rowCount }

  /// The value of `e`. The recursion runs through this function and `evaluateCall` only, whose
  /// frames are small, so that the deepest tree the parser accepts fits a 512 KiB stack; the
  /// work of each node happens in the non-recursive helpers.
  func evaluate(_ e: FormulaExpression) throws -> EvaluatedValue {
    switch e.kind {
    case .parenthesized(let x): return try evaluate(x)
    case .unary(let op, let x): return try unaryNode(op, x)
    case .binary(let op, let l, let r): return try binaryNode(op, l, r)
    case .call(let f, let args): return try evaluateCall(f, args)
    default: return try leaf(e)
    }
  }

  private func unaryNode(_ op: UnaryOperator, _ x: FormulaExpression) throws -> EvaluatedValue {
    try unary(op, try evaluate(x), x)
  }

  private func binaryNode(_ op: BinaryOperator, _ l: FormulaExpression, _ r: FormulaExpression) throws
    -> EvaluatedValue
  {
    let a = try evaluate(l)
    let b = try evaluate(r)
    return try binary(op, a, b, l, r)
  }

  private func leaf(_ e: FormulaExpression) throws -> EvaluatedValue {
    switch e.kind {
    case .name(let n): return try column(n)
    case .number(let v): return .scalar(v)
    case .integer(let v): return .scalar(Double(v))
    case .string(let s): return .string(s)
    case .logical(let b): return .logicalScalar(b ? 1 : 0)
    default: return .logicalScalar(.nan)  // .missing
    }
  }

  /// `I(x)` and the one-argument math functions evaluate their argument here; the rest in `call`.
  private func evaluateCall(_ f: String, _ args: [CallArgument]) throws -> EvaluatedValue {
    guard args.count == 1, args[0].label == nil else { return try call(f, args) }
    if f == "I" { return try evaluate(args[0].value) }
    guard let g = oneArgumentFunction(f) else { return try call(f, args) }
    let v = try evaluate(args[0].value)
    return try applyMath(g, v, args[0].value)
  }

  private func applyMath(_ g: (Double) -> Double, _ v: EvaluatedValue, _ x: FormulaExpression) throws -> EvaluatedValue {
    numericValue(map(try numeric(v, x), g))
  }

  // MARK: Variables

  private func column(_ name: String, asCategories: Bool = false) throws -> EvaluatedValue {
    guard let i = data.index(of: name) else {
      if name == "T" { return .logicalScalar(1) }
      if name == "F" { return .logicalScalar(0) }
      if name == "pi" { return .scalar(Double.pi) }
      throw FormulaError.unknownVariable(name: name, suggestions: data.suggestions(for: name))
    }
    switch data.columns[i].storage {
    case .numeric(let c):
      if c.isComplete { return .numeric(c.values) }
      var v = c.values
      var p = v.mutableSpan
      for k in p.indices where c.missing[k] { p[k] = .nan }
      return .numeric(v)
    case .factor(let f):
      // A column of numbers with a stray word is a data error, unless asked for as factor(x).
      if let stray = data.columns[i].strayText, !asCategories {
        throw DataError.nonNumericValue(name: name, path: data.source, stray: stray)
      }
      return .factor(codes: f.codes, levels: f.levels)
    }
  }

  // MARK: Numeric coercion

  private enum Operand {
    case vector([Double])
    case scalar(Double)
  }

  private func numeric(_ v: EvaluatedValue, _ e: FormulaExpression) throws -> Operand {
    switch v {
    case .numeric(let x), .logical(let x): return .vector(x)
    case .scalar(let x), .logicalScalar(let x): return .scalar(x)
    case .matrix(let cols, _) where cols.count == 1: return .vector(cols[0])
    default: throw FormulaError.nonNumeric(variable: deparse(e), term: context)
    }
  }

  private func map(_ a: Operand, _ f: (Double) -> Double) -> Operand {
    switch a {
    case .scalar(let x): return .scalar(f(x))
    case .vector(let x):
      return .vector(x.map(f))
    }
  }

  private func zip(_ a: Operand, _ b: Operand, _ f: (Double, Double) -> Double) -> Operand {
    switch (a, b) {
    case (.scalar(let x), .scalar(let y)): return .scalar(f(x, y))
    case (.vector, .scalar(let y)): return map(a) { f($0, y) }
    case (.scalar(let x), .vector): return map(b) { f(x, $0) }
    case (.vector(let x), .vector(let y)):
      let n = Swift.min(x.count, y.count)
      var out = [Double](repeating: 0, count: n)
      var o = out.mutableSpan
      let (px, py) = (x.span, y.span)
      for i in 0..<n { o[i] = f(px[i], py[i]) }
      return .vector(out)
    }
  }

  private func numericValue(_ o: Operand) -> EvaluatedValue {
    switch o {
    case .scalar(let x): return .scalar(x)
    case .vector(let x): return .numeric(x)
    }
  }

  private func logicalValue(_ o: Operand) -> EvaluatedValue {
    switch o {
    case .scalar(let x): return .logicalScalar(x)
    case .vector(let x): return .logical(x)
    }
  }

  // MARK: Operators

  private func unary(_ op: UnaryOperator, _ v: EvaluatedValue, _ e: FormulaExpression) throws
    -> EvaluatedValue
  {
    switch op {
    case .minus: return numericValue(map(try numeric(v, e)) { -$0 })
    case .plus: return numericValue(try numeric(v, e))
    case .not: return logicalValue(map(try numeric(v, e)) { $0.isNaN ? .nan : ($0 == 0 ? 1 : 0) })
    case .tilde: throw FormulaError.unsupportedFunction(name: "~")
    }
  }

  private func binary(
    _ op: BinaryOperator, _ a: EvaluatedValue, _ b: EvaluatedValue, _ l: FormulaExpression, _ r: FormulaExpression
  ) throws -> EvaluatedValue {
    switch op {
    case .plus: return numericValue(zip(try numeric(a, l), try numeric(b, r), +))
    case .minus: return numericValue(zip(try numeric(a, l), try numeric(b, r), -))
    case .times: return numericValue(zip(try numeric(a, l), try numeric(b, r), *))
    case .divide: return numericValue(zip(try numeric(a, l), try numeric(b, r), /))
    case .power: return numericValue(zip(try numeric(a, l), try numeric(b, r), rPower))
    case .modulo:
      return numericValue(
        zip(try numeric(a, l), try numeric(b, r)) { x, y in
          if y == 0 { return .nan }
          let m = fmod(x, y)
          return m != 0 && (m < 0) != (y < 0) ? m + y : m
        })
    case .integerDivide:
      return numericValue(zip(try numeric(a, l), try numeric(b, r)) { ($0 / $1).rounded(.down) })
    case .and, .andAnd:
      return logicalValue(
        zip(try numeric(a, l), try numeric(b, r)) { x, y in
          if x == 0 || y == 0 { return 0 }
          return x.isNaN || y.isNaN ? .nan : 1
        })
    case .or, .orOr:
      return logicalValue(
        zip(try numeric(a, l), try numeric(b, r)) { x, y in
          if (!x.isNaN && x != 0) || (!y.isNaN && y != 0) { return 1 }
          return x.isNaN || y.isNaN ? .nan : 0
        })
    case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
      return try compare(op, a, b, l, r)
    case .in:
      return try membership(a, b, l, r)
    case .colon, .tilde:
      throw FormulaError.unsupportedFunction(name: op.rawValue)
    }
  }

  private func compare(
    _ op: BinaryOperator, _ a: EvaluatedValue, _ b: EvaluatedValue,
    _ l: FormulaExpression, _ r: FormulaExpression
  ) throws -> EvaluatedValue {
    let test: (Double, Double) -> Bool
    switch op {
    case .equal: test = { $0 == $1 }
    case .notEqual: test = { $0 != $1 }
    case .less: test = { $0 < $1 }
    case .lessEqual: test = { $0 <= $1 }
    case .greater: test = { $0 > $1 }
    default: test = { $0 >= $1 }
    }
    // Categorical comparisons compare labels, as R compares a factor with a string.
    func label(_ v: EvaluatedValue) -> String? {
      switch v {
      case .string(let s): return s
      case .scalar(let x): return formatRNumber(x)
      case .logicalScalar(let x): return x.isNaN ? nil : (x == 1 ? "TRUE" : "FALSE")
      default: return nil
      }
    }
    func factorVersusConstant(_ codes: [Int32], _ levels: [String], _ s: String, flipped: Bool)
      throws -> EvaluatedValue
    {
      let table: [Double] = levels.map { lev in
        let (x, y) = flipped ? (s, lev) : (lev, s)
        switch op {
        case .equal: return x == y ? 1 : 0
        case .notEqual: return x != y ? 1 : 0
        case .less: return x < y ? 1 : 0
        case .lessEqual: return x <= y ? 1 : 0
        case .greater: return x > y ? 1 : 0
        default: return x >= y ? 1 : 0
        }
      }
      if op != .equal && op != .notEqual {
        throw FormulaError.nonNumeric(variable: deparse(flipped ? r : l), term: context)
      }
      return .logical(codes.map { $0 < 0 ? .nan : table[Int($0)] })
    }
    switch (a, b) {
    case (.factor(let codes, let levels), _):
      if let s = label(b) { return try factorVersusConstant(codes, levels, s, flipped: false) }
      if case .factor(let c2, let l2) = b, op == .equal || op == .notEqual {
        let eq = op == .equal
        return .logical(
          (0..<Swift.min(codes.count, c2.count)).map { i in
            codes[i] < 0 || c2[i] < 0 ? .nan : ((levels[Int(codes[i])] == l2[Int(c2[i])]) == eq ? 1 : 0)
          })
      }
      throw FormulaError.nonNumeric(variable: deparse(l), term: context)
    case (_, .factor(let codes, let levels)):
      if let s = label(a) { return try factorVersusConstant(codes, levels, s, flipped: true) }
      throw FormulaError.nonNumeric(variable: deparse(r), term: context)
    case (.string(let x), .string(let y)):
      return .logicalScalar(test(x == y ? 0 : (x < y ? -1 : 1), 0) ? 1 : 0)
    default:
      let x = try numeric(a, l)
      let y = try numeric(b, r)
      return logicalValue(zip(x, y) { u, v in u.isNaN || v.isNaN ? .nan : (test(u, v) ? 1 : 0) })
    }
  }

  private func membership(
    _ a: EvaluatedValue, _ b: EvaluatedValue, _ l: FormulaExpression, _ r: FormulaExpression
  ) throws -> EvaluatedValue {
    var strings: [String] = []
    var numbers: [Double] = []
    switch b {
    case .strings(let s): strings = s
    case .string(let s): strings = [s]
    case .numbers(let x): numbers = x
    case .scalar(let x), .logicalScalar(let x): numbers = [x]
    default: throw FormulaError.invalidArguments(function: "%in%", reason: "the right side must be c(...) of constants")
    }
    switch a {
    case .factor(let codes, let levels):
      // A missing value is in the set only when the set holds NA (R: NA %in% c("a", NA) is TRUE).
      let setHasNA = numbers.contains { $0.isNaN } || strings.contains(missingStringMarker)
      let wanted = Set(strings.isEmpty ? numbers.filter { !$0.isNaN }.map(formatRNumber) : strings)
      let table: [Double] = levels.map { wanted.contains($0) ? 1 : 0 }
      return .logical(codes.map { $0 < 0 ? (setHasNA ? 1 : 0) : table[Int($0)] })
    default:
      guard strings.isEmpty else { throw FormulaError.nonNumeric(variable: deparse(l), term: context) }
      let x = try numeric(a, l)
      let set = Set(numbers)
      let hasNA = numbers.contains { $0.isNaN }
      return logicalValue(map(x) { $0.isNaN ? (hasNA ? 1 : 0) : (set.contains($0) ? 1 : 0) })
    }
  }

  // MARK: Functions

  private func call(_ f: String, _ args: [CallArgument]) throws -> EvaluatedValue {
    func positional(_ k: Int) -> FormulaExpression? {
      let unnamed = args.filter { $0.label == nil }
      return k < unnamed.count ? unnamed[k].value : nil
    }
    func requireOne() throws -> FormulaExpression {
      guard args.count == 1, let x = positional(0) else {
        throw FormulaError.invalidArguments(function: f, reason: "expected exactly one argument")
      }
      return x
    }
    func math(_ g: @escaping (Double) -> Double) throws -> EvaluatedValue {
      let x = try requireOne()
      return numericValue(map(try numeric(try evaluate(x), x), g))
    }
    switch f {
    case "I":
      return try evaluate(try requireOne())
    case "log":
      guard let x = args.first(where: { $0.label == nil || $0.label == "x" })?.value, args.count <= 2 else {
        throw FormulaError.invalidArguments(function: f, reason: "expected log(x) or log(x, base)")
      }
      let v = try numeric(try evaluate(x), x)
      guard args.count == 2 else { return numericValue(map(v) { Foundation.log($0) }) }
      guard let baseArg = args.first(where: { $0.label == "base" })?.value ?? positional(1),
        case .scalar(let base) = try evaluate(baseArg)
      else {
        throw FormulaError.invalidArguments(function: f, reason: "base must be a number")
      }
      if base == 10 { return numericValue(map(v) { $0.isFinite ? Foundation.log10($0) : $0 }) }
      if base == 2 { return numericValue(map(v) { $0.isFinite ? Foundation.log2($0) : $0 }) }
      let lb = Foundation.log(base)
      return numericValue(map(v) { Foundation.log($0) / lb })
    case "log1p": return try math { Foundation.log1p($0) }
    case "log10": return try math { Foundation.log10($0) }
    case "log2": return try math { Foundation.log2($0) }
    case "exp": return try math { Foundation.exp($0) }
    case "sqrt": return try math { $0.squareRoot() }
    case "abs": return try math { Swift.abs($0) }
    case "as.numeric", "as.double":
      let x = try requireOne()
      return numericValue(try numeric(try evaluate(x), x))
    case "factor", "as.factor":
      return try factor(try requireOne())
    case "is.na":
      return try isMissing(try requireOne())
    case "ifelse":
      return try ifElse(args)
    case "poly":
      return try poly(args)
    case "c":
      var strings: [String] = []
      var numbers: [Double] = []
      for a in args {
        switch try evaluate(a.value) {
        case .string(let s): strings.append(s)
        case .strings(let s): strings += s
        case .scalar(let x), .logicalScalar(let x): numbers.append(x)
        case .numbers(let x): numbers += x
        default:
          throw FormulaError.invalidArguments(function: "c", reason: "only constants are supported")
        }
      }
      if !strings.isEmpty && !numbers.isEmpty {
        // R's c("a", NA) is a character vector with a missing element, not the text "NA".
        return .strings(strings + numbers.map { $0.isNaN ? missingStringMarker : formatRNumber($0) })
      }
      return strings.isEmpty ? .numbers(numbers) : .strings(strings)
    default:
      throw FormulaError.unsupportedFunction(name: f)
    }
  }

  // MARK: Missing values and conditionals

  /// `is.na(x)`: TRUE where `x` is missing (NA or NaN, a factor's missing code), never NA itself.
  private func isMissing(_ x: FormulaExpression) throws -> EvaluatedValue {
    switch try evaluate(x) {
    case .numeric(let v), .logical(let v): return .logical(v.map { $0.isNaN ? 1 : 0 })
    case .factor(let codes, _): return .logical(codes.map { $0 < 0 ? 1 : 0 })
    case .matrix(let cols, _) where cols.count == 1: return .logical(cols[0].map { $0.isNaN ? 1 : 0 })
    case .scalar(let v), .logicalScalar(let v): return .logicalScalar(v.isNaN ? 1 : 0)
    case .string: return .logicalScalar(0)
    default:
      throw FormulaError.invalidArguments(
        function: "is.na", reason: "'\(deparse(x))' is not one value per row (a column or an expression of columns)")
    }
  }

  /// `ifelse(test, yes, no)` (R's formals, by name or position): `yes` where `test` is TRUE, `no`
  /// where it is FALSE, NA where it is NA. Numeric and logical branches give numbers (logicals
  /// when both are logical); text constants give a categorical value whose levels are the texts
  /// that occur, sorted, as R's character result becomes a factor in a model frame. A categorical
  /// column as a branch is refused: R would return its integer codes, a silent wrong number.
  private func ifElse(_ args: [CallArgument]) throws -> EvaluatedValue {
    let formals = ["test", "yes", "no"]
    var bound: [String: FormulaExpression] = [:]
    for a in args {
      if let l = a.label {
        guard formals.contains(l), bound[l] == nil else {
          throw FormulaError.invalidArguments(function: "ifelse", reason: "unknown or repeated argument '\(l)'")
        }
        bound[l] = a.value
      }
    }
    var free = formals.filter { bound[$0] == nil }
    for a in args where a.label == nil {
      guard !free.isEmpty else {
        throw FormulaError.invalidArguments(function: "ifelse", reason: "expected ifelse(test, yes, no)")
      }
      bound[free.removeFirst()] = a.value
    }
    guard let testExpression = bound["test"], let yesExpression = bound["yes"], let noExpression = bound["no"] else {
      throw FormulaError.invalidArguments(function: "ifelse", reason: "expected ifelse(test, yes, no)")
    }
    let test = try numeric(try evaluate(testExpression), testExpression)
    let yes = try evaluate(yesExpression)
    let no = try evaluate(noExpression)
    for (v, e) in [(yes, yesExpression), (no, noExpression)] {
      if case .factor = v {
        throw FormulaError.invalidArguments(
          function: "ifelse",
          reason: "'\(deparse(e))' is categorical (R would return its integer codes); compare it, e.g. \(deparse(e)) == \"level\"")
      }
    }
    func label(_ v: EvaluatedValue) -> String?? {
      switch v {
      case .string(let s): return .some(s)
      case .scalar(let x), .logicalScalar(let x): return x.isNaN ? .some(nil) : .some(formatRNumber(x))
      default: return nil
      }
    }
    let isText: Bool
    switch (yes, no) {
    case (.string, _), (_, .string): isText = true
    default: isText = false
    }
    if isText {
      guard let yesLabel = label(yes), let noLabel = label(no) else {
        throw FormulaError.invalidArguments(
          function: "ifelse", reason: "a text branch needs a text or number constant as the other branch")
      }
      let pick: (Double) -> String? = { t in t.isNaN ? nil : (t != 0 ? yesLabel : noLabel) }
      let picked: [String?]
      switch test {
      case .scalar(let t): picked = Array(repeating: pick(t), count: rowCount)
      case .vector(let t): picked = t.map(pick)
      }
      let levels = Array(Set(picked.compactMap { $0 })).sorted()
      let index = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, Int32($0)) })
      return .factor(codes: picked.map { $0.flatMap { index[$0] } ?? -1 }, levels: levels)
    }
    let a = try numeric(yes, yesExpression)
    let b = try numeric(no, noExpression)
    func value(_ o: Operand, _ i: Int) -> Double {
      switch o {
      case .scalar(let x): return x
      case .vector(let x): return i < x.count ? x[i] : .nan
      }
    }
    let chosen: Operand
    switch (test, a, b) {
    case (.scalar(let t), .scalar(let x), .scalar(let y)):
      chosen = .scalar(t.isNaN ? .nan : (t != 0 ? x : y))
    default:
      var out = [Double](repeating: .nan, count: rowCount)
      for i in 0..<rowCount {
        let t = value(test, i)
        if !t.isNaN { out[i] = t != 0 ? value(a, i) : value(b, i) }
      }
      chosen = .vector(out)
    }
    switch (yes, no) {
    case (.logical, .logical), (.logical, .logicalScalar), (.logicalScalar, .logical), (.logicalScalar, .logicalScalar):
      return logicalValue(chosen)
    default:
      return numericValue(chosen)
    }
  }

  /// `factor(x)`: numbers get levels in numeric order labelled as R's `as.character`.
  private func factor(_ x: FormulaExpression) throws -> EvaluatedValue {
    let v: EvaluatedValue
    if case .name(let name) = x.kind { v = try column(name, asCategories: true) } else { v = try evaluate(x) }
    switch v {
    case .factor: return v
    case .numeric(let values), .logical(let values):
      let isLogical: Bool
      if case .logical = v { isLogical = true } else { isLogical = false }
      var unique = Set<Double>()
      for d in values where !d.isNaN { unique.insert(d) }
      let sorted = unique.sorted()
      var labels: [String] = []
      var labelIndex: [String: Int32] = [:]
      var codeOf: [Double: Int32] = [:]
      for d in sorted {
        let lab = isLogical ? (d == 1 ? "TRUE" : "FALSE") : formatRNumber(d)
        if let c = labelIndex[lab] {
          codeOf[d] = c
        } else {
          let c = Int32(labels.count)
          labels.append(lab)
          labelIndex[lab] = c
          codeOf[d] = c
        }
      }
      let codes = values.map { $0.isNaN ? Int32(-1) : (codeOf[$0] ?? -1) }
      return .factor(codes: codes, levels: labels)
    case .scalar(let d), .logicalScalar(let d):
      let lab = formatRNumber(d)
      return .factor(codes: Array(repeating: d.isNaN ? -1 : 0, count: rowCount), levels: [lab])
    default:
      throw FormulaError.invalidArguments(function: "factor", reason: "cannot make a factor of '\(deparse(x))'")
    }
  }

  /// `poly(x, degree, raw = TRUE)`: the columns x, x^2, ..., x^degree named "1", "2", ...
  private func poly(_ args: [CallArgument]) throws -> EvaluatedValue {
    var x: FormulaExpression?
    var degree: FormulaExpression?
    var raw: FormulaExpression?
    let formals = ["x", "degree", "coefs", "raw", "simple"]
    var nextFormal = 0
    for a in args {
      let name: String
      if let l = a.label {
        guard let m = formals.first(where: { $0.hasPrefix(l) }) else {
          throw FormulaError.invalidArguments(function: "poly", reason: "unknown argument '\(l)'")
        }
        name = m
      } else {
        while nextFormal < formals.count,
          args.contains(where: { $0.label.map { formals[nextFormal].hasPrefix($0) } ?? false })
        {
          nextFormal += 1
        }
        guard nextFormal < formals.count else {
          throw FormulaError.invalidArguments(function: "poly", reason: "too many arguments")
        }
        name = formals[nextFormal]
        nextFormal += 1
      }
      switch name {
      case "x": x = a.value
      case "degree": degree = a.value
      case "raw": raw = a.value
      default:
        throw FormulaError.invalidArguments(function: "poly", reason: "argument '\(name)' is not supported")
      }
    }
    guard let x else { throw FormulaError.invalidArguments(function: "poly", reason: "missing x") }
    var k = 1
    if let degree {
      guard case .scalar(let d) = try evaluate(degree) else {
        throw FormulaError.invalidArguments(function: "poly", reason: "degree must be a positive whole number")
      }
      // Checked in Double before any conversion: Int(1e300) or Int(.nan) would trap.
      guard d.isFinite, d >= 1, d == d.rounded(), d <= Double(FormulaLimits.maximumPolynomialDegree) else {
        throw FormulaError.invalidInteger(
          value: formatRNumber(d), term: "poly(\(args.map(deparseArgument).joined(separator: ", ")))",
          expected: "a whole polynomial degree from 1 to \(FormulaLimits.maximumPolynomialDegree)")
      }
      k = Int(d)
    }
    var isRaw = false
    if let raw, case .logicalScalar(let b) = try evaluate(raw) { isRaw = b == 1 }
    guard isRaw else {
      throw FormulaError.invalidArguments(
        function: "poly", reason: "orthogonal polynomials are not supported yet; use poly(x, \(k), raw = TRUE)")
    }
    guard case .vector(let values) = try numeric(try evaluate(x), x) else {
      throw FormulaError.invalidArguments(function: "poly", reason: "x must be a variable")
    }
    var columns: [[Double]] = []
    for p in 1...k {
      let e = Double(p)
      columns.append(p == 1 ? values : values.map { rPower($0, e) })
    }
    return .matrix(columns: columns, names: (1...k).map(String.init))
  }
}

/// A missing element of a constant text vector (`c("a", NA)`); no label can equal it.
let missingStringMarker = "\u{0}NA"

/// The elementwise one-argument functions, by name.
private func oneArgumentFunction(_ f: String) -> ((Double) -> Double)? {
  switch f {
  case "log": return { Foundation.log($0) }
  case "log1p": return { Foundation.log1p($0) }
  case "log10": return { Foundation.log10($0) }
  case "log2": return { Foundation.log2($0) }
  case "exp": return { Foundation.exp($0) }
  case "sqrt": return { $0.squareRoot() }
  case "abs": return { Swift.abs($0) }
  default: return nil
  }
}

/// An argument as R deparses it in a call (`raw = TRUE`).
private func deparseArgument(_ a: CallArgument) -> String {
  (a.label.map { quotedName($0) + " = " } ?? "") + deparse(a.value)
}

/// R's `x^y`: `x * x` for `y == 2`, 1 for `x == 1` or `y == 0`, else `pow`.
@inline(__always)
func rPower(_ x: Double, _ y: Double) -> Double {
  if y == 2 { return x * x }
  if x == 1 || y == 0 { return 1 }
  return Foundation.pow(x, y)
}
