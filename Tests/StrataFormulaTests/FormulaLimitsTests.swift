import Foundation
import Testing
import StrataData
@testable import StrataFormula

/// Inputs that used to crash the formula layer (stack overflow, integer traps, unbounded
/// allocation) end in a `FormulaError` naming the place and the limit; `.` expands as in R.
@Suite struct FormulaLimitsTests {
  private func frame(_ columns: [String: [Double]], order: [String]) -> DataFrame {
    DataFrame(columns: order.map { Column(name: $0, storage: .numeric(NumericColumn(values: columns[$0] ?? []))) })
  }

  private func small() -> DataFrame {
    let n = 30
    let x = (0..<n).map { Double($0 % 7) + 0.5 }
    let z = (0..<n).map { Double(($0 * 5) % 11) }
    let y = (0..<n).map { i -> Double in
      let noise = Double((i * 3) % 4) / 10
      return 1 + 0.5 * x[i] - 0.2 * z[i] + noise
    }
    return frame(["y": y, "x": x, "z": z], order: ["y", "x", "z"])
  }

  /// The error `body` throws, or a recorded issue.
  private func formulaError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> FormulaError? {
    do {
      try body()
      Issue.record("no error", sourceLocation: sourceLocation)
    } catch let e as FormulaError {
      return e
    } catch {
      Issue.record("not a FormulaError: \(error)", sourceLocation: sourceLocation)
    }
    return nil
  }

  @Test func deepParenthesesAreRefusedAtTheLimit() throws {
    let deep = "y ~ " + String(repeating: "(", count: 30_000) + "x" + String(repeating: ")", count: 30_000)
    let e = formulaError { _ = try Formula.parse(deep) }
    guard case .tooDeep(let limit, let at, _) = e else {
      Issue.record("expected tooDeep, got \(String(describing: e))")
      return
    }
    #expect(limit == FormulaLimits.maximumDepth)
    // The first parenthesis past the limit: "y ~ " then `limit` open parentheses.
    #expect(at == 4 + limit)
    let message = e?.description ?? ""
    #expect(message.contains("nested too deeply at column \(at + 1)"))
    #expect(message.contains("more than \(limit) levels"))
    // The caret line shows a window, not 60,000 characters.
    #expect(message.count < 600)
  }

  @Test func longLeftAssociativeChainsCountAsDepth() throws {
    // A 40,000-term I(a+1+1+...) builds a left spine 40,000 deep: refused without recursion.
    let chain = "y ~ I(x" + String(repeating: "+1", count: 40_000) + ")"
    let e = formulaError { _ = try Formula.parse(chain) }
    guard case .tooDeep(_, let at, _) = e else {
      Issue.record("expected tooDeep, got \(String(describing: e))")
      return
    }
    // The `+` that makes the tree one level too deep: I( is one level, x the leaf below.
    let chars = Array(chain)
    #expect(chars[at] == "+")
    // Just under the limit everything works, parsing and every later pass.
    let fits = "y ~ I(x" + String(repeating: "+1", count: FormulaLimits.maximumDepth - 3) + ")"
    let mm = try ModelMatrix.build(formula: fits, data: small())
    #expect(mm.columnNames == ["(Intercept)", "I(x" + String(repeating: " + 1", count: FormulaLimits.maximumDepth - 3) + ")"])
    let d = try mm.recipe.derivative(withRespectTo: "x", data: small(), rows: mm.rows)
    #expect(d[0, 1] == 1)
    let json = try JSONEncoder().encode(mm.recipe)
    let decoded = try JSONDecoder().decode(ModelRecipe.self, from: json)
    #expect(decoded.columnNames == mm.columnNames)
  }

  /// Every pass over the deepest accepted trees fits on a thread with a 4 MiB stack in a debug
  /// build (whose frames are several times those of a release build; Linux gives the main
  /// thread and dispatch workers 8 MiB): terms, evaluation, derivatives,
  /// deparsing, hashing and the recipe's Codable round trip. Parsing a long text runs on a thread
  /// of its own with a 16 MiB stack.
  @Test func deepestTreesFitOnA4MiBStack() throws {
    let depth = FormulaLimits.maximumDepth
    let chain = "y ~ I(x" + String(repeating: " + 1", count: depth - 3) + ") + z"
    let power = "y ~ I(" + String(repeating: "abs(", count: depth - 3) + "x" + String(repeating: ")", count: depth - 3) + ") + z"
    let parens = "y ~ " + String(repeating: "(", count: depth - 2) + "x" + String(repeating: ")", count: depth - 2) + " + z"
    let signs = String(repeating: "-", count: depth - 2) + "x > 0"
    let data = small()
    let outcome = runOnSmallStack(bytes: 4 * 1024 * 1024) { () -> String? in
      do {
        for text in [chain, power, parens] {
          let mm = try ModelMatrix.build(formula: text, data: data)
          _ = try mm.recipe.derivative(withRespectTo: "x", data: data, rows: mm.rows)
          let back = try JSONDecoder().decode(ModelRecipe.self, from: try JSONEncoder().encode(mm.recipe))
          guard back.columnNames == mm.columnNames else { return "round trip of \(text.prefix(30))" }
          _ = Set(mm.recipe.terms.variables).count
        }
        _ = try RowExpression.parse(signs).evaluate(on: data)
        return nil
      } catch {
        return "\(error)"
      }
    }
    #expect(outcome == .some(nil), "\(String(describing: outcome))")
  }

  @Test func unarySignsInARowExpression() throws {
    let e = formulaError { _ = try RowExpression.parse(String(repeating: "-", count: 50_000) + "x > 0") }
    guard case .tooDeep = e else {
      Issue.record("expected tooDeep, got \(String(describing: e))")
      return
    }
    // 250 minus signs are an even number: -(-(...x)) > 3 is x > 3.
    let ok = try RowExpression.parse(String(repeating: "-", count: 250) + "x > 3").evaluate(on: small())
    #expect(ok == small().columns[1].numericValuesForTest.map { $0 > 3 ? 1 : 0 })
  }

  @Test func deepScenarioIsRefused() throws {
    let text = "x = " + String(repeating: "(", count: 20_000) + "x" + String(repeating: ")", count: 20_000)
    let e = formulaError { _ = try Scenario.parse(text) }
    guard case .tooDeep(_, let at, let scenarioText) = e else {
      Issue.record("expected tooDeep, got \(String(describing: e))")
      return
    }
    // The column is in the whole scenario text: "x = " then the limit's parentheses.
    #expect(scenarioText == text)
    #expect(at == 4 + FormulaLimits.maximumDepth)
  }

  @Test func overlongTextIsRefused() throws {
    let text = "y ~ x" + String(repeating: " ", count: FormulaLimits.maximumLength)
    #expect(throws: FormulaError.tooLong(length: FormulaLimits.maximumLength + 5, limit: FormulaLimits.maximumLength)) {
      try Formula.parse(text)
    }
  }

  @Test func hugePowersAndDegreesAreErrorsNotTraps() throws {
    let data = small()
    let power = formulaError { _ = try ModelMatrix.build(formula: "y ~ (x + z)^99999999999999999999", data: data) }
    #expect(
      power
        == .invalidInteger(
          value: "1e+20", term: "(x + z)^1e+20", expected: "a whole power of the terms from 2 to 2147483647, as (a + b)^2"))
    let negative = formulaError { _ = try ModelMatrix.build(formula: "y ~ (x + z)^-1e300", data: data) }
    guard case .invalidFormula = negative else {
      Issue.record("expected invalidFormula, got \(String(describing: negative))")
      return
    }
    // R's asInteger truncates: ^2.5 is ^2; a power beyond the number of terms adds nothing.
    #expect(try Terms(formula: Formula.parse("y ~ (a + b)^2.5")).labels == ["a", "b", "a:b"])
    #expect(try Terms(formula: Formula.parse("y ~ (a + b + c)^2147483647")).labels
      == ["a", "b", "c", "a:b", "a:c", "b:c", "a:b:c"])
    for degree in ["9223372036854775807", "1e300", "Inf", "NaN", "-1", "2.5", "101"] {
      let e = formulaError { _ = try ModelMatrix.build(formula: "y ~ poly(x, \(degree), raw = TRUE)", data: data) }
      guard case .invalidInteger(_, let term, let expected) = e else {
        Issue.record("poly degree \(degree): \(String(describing: e))")
        continue
      }
      #expect(term.hasPrefix("poly(x, "))
      #expect(expected == "a whole polynomial degree from 1 to 100")
    }
    // Hexadecimal integers beyond R's int range are doubles, not a trap.
    let hex = try RowExpression.parse("0xFFFFFFFFFFFFFFFFFF").evaluate(on: data)
    #expect(abs(hex[0] / Foundation.pow(2, 72) - 1) < 1e-12)
  }

  @Test func dotExpandsAsR() throws {
    let data = small()
    // R: terms(y ~ ., data = d) has the term labels "x" "z".
    let mm = try ModelMatrix.build(formula: "y ~ .", data: data)
    #expect(mm.columnNames == ["(Intercept)", "x", "z"])
    #expect(mm.recipe.formula.text == "y ~ x + z")
    // R keeps y among the terms when the response is log(y) (MatchVar compares whole expressions).
    #expect(try ModelMatrix.build(formula: "log(y) ~ .", data: data).columnNames == ["(Intercept)", "y", "x", "z"])
    // R: attr(terms(y ~ .^2 - z, data = d), "term.labels") is "x" "x:z".
    #expect(try ModelMatrix.build(formula: "y ~ .^2 - z", data: data).termLabels == ["x", "x:z"])
    // R: y ~ z + . gives "z" "x" (first appearance order, duplicates dropped).
    #expect(try ModelMatrix.build(formula: "y ~ z + .", data: data).termLabels == ["z", "x"])
    #expect(try ModelMatrix.build(formula: "y ~ x - .", data: data).termLabels == [])
    let e = formulaError { _ = try ModelMatrix.build(formula: "y ~ log(.)", data: data) }
    guard case .invalidDot(_, let at, _) = e else {
      Issue.record("expected invalidDot, got \(String(describing: e))")
      return
    }
    #expect(at == 4)
  }

  @Test func undefinedValuesAreCountedApartFromMissing() throws {
    let n = 40
    let income = (0..<n).map { $0 < 3 ? -5.0 : Double($0 + 1) * 100 }
    let x = (0..<n).map { 3 <= $0 && $0 < 12 ? Double.nan : Double($0 % 7) }
    let y = (0..<n).map { Double($0 % 5) }
    let data = DataFrame(columns: [
      Column(name: "y", storage: .numeric(NumericColumn(values: y))),
      Column(name: "income", storage: .numeric(NumericColumn(values: income))),
      Column(name: "x", storage: .numeric(NumericColumn(values: x, missing: x.map(\.isNaN)))),
    ])
    let mm = try ModelMatrix.build(formula: "y ~ log(income) + x", data: data)
    #expect(mm.droppedMissing == 12)
    #expect(mm.undefinedValues == [UndefinedValues(variable: "log(income)", count: 3)])
    #expect(mm.undefinedValues[0].reason == "of negative values")
    // Only missing data: nothing undefined.
    #expect(try ModelMatrix.build(formula: "y ~ income + x", data: data).undefinedValues.isEmpty)
  }

  @Test func modelTooLargeForMemoryIsRefusedBeforeAllocating() throws {
    let n = 120_000
    let data = DataFrame(columns: [
      Column(name: "y", storage: .numeric(NumericColumn(values: (0..<n).map { Double($0 % 13) }))),
      Column(name: "g", storage: .factor(FactorColumn(codes: (0..<n).map { Int32($0) }, levels: (0..<n).map { "L\($0)" }))),
    ])
    let e = formulaError { _ = try ModelMatrix.build(formula: "y ~ g", data: data) }
    guard case .modelMatrixTooLarge(let rows, let columns, let bytes, _, let term, let levels) = e else {
      Issue.record("expected modelMatrixTooLarge, got \(String(describing: e))")
      return
    }
    #expect(rows == n && columns == n && levels == n && term == "g")
    #expect(bytes == 8 * (Double(n) * Double(n) * 2))
    #expect(e?.description.contains("g has 120,000 levels: absorb it as a fixed effect with '| g'") == true)
  }
}

/// Random token soup through every entry point of the formula layer: each input ends in a value
/// or a thrown error, never a trap (a crash would end the test process).
@Suite struct FormulaTokenSoupTests {
  @Test func randomExpressionsNeverTrap() throws {
    let n = 24
    let data = DataFrame(columns: [
      Column(name: "y", storage: .numeric(NumericColumn(values: (0..<n).map { Double(($0 * 7) % 5) - 1 }))),
      Column(name: "x", storage: .numeric(NumericColumn(values: (0..<n).map { Double($0 % 6) - 2 }))),
      Column(name: "z", storage: .numeric(NumericColumn(values: (0..<n).map { $0 % 9 == 0 ? .nan : Double($0) }, missing: (0..<n).map { $0 % 9 == 0 }))),
      Column(name: "g", storage: .factor(FactorColumn(codes: (0..<n).map { Int32($0 % 3) }, levels: ["a", "b", "c"]))),
    ])
    let tokens = [
      "y", "x", "z", "g", "~", "+", "-", "*", "/", "^", ":", "(", ")", "%in%", "|", "log(", "I(", "poly(",
      "factor(", ",", "raw = TRUE", "1", "0", "2", "-1", "1e400", "0x1F", "0xFFFFFFFFFFFFFFFFFFFFL",
      "9223372036854775807", "2147483648L", ".", "c(", "\"a\"", "==", "!", "&", "`x`", " ", "=", ";", "%%",
      "%/%", "NA", "Inf", "NaN", "sqrt(", "exp(", "1L", "`", "\"", "'", "..", "1e", "%", "<=", "degree = ",
    ]
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    var outcomes = (values: 0, errors: 0)
    for _ in 0..<4_000 {
      let count = 1 + next(14)
      var text = next(3) == 0 ? "" : "y ~ "
      for _ in 0..<count { text += tokens[next(tokens.count)] }
      for attempt in 0..<3 {
        do {
          switch attempt {
          case 0:
            let mm = try ModelMatrix.build(formula: text, data: data)
            _ = try mm.recipe.matrix(for: data, rows: mm.rows)
          case 1: _ = try RowExpression.parse(text).evaluate(on: data)
          default: _ = try Scenario.parse(text).apply(to: data)
          }
          outcomes.values += 1
        } catch {
          outcomes.errors += 1
          #expect(!String(describing: error).isEmpty)
        }
      }
    }
    #expect(outcomes.values + outcomes.errors == 12_000)
    #expect(outcomes.values > 0 && outcomes.errors > 0)
  }
}

/// `body` run on a new thread with a stack of `bytes`, its result (nil if the thread could not start).
private final class ResultBox<T>: @unchecked Sendable { var value: T? }

private func runOnSmallStack<T: Sendable>(bytes: Int, _ body: @escaping @Sendable () -> T) -> T? {
  let box = ResultBox<T>()
  let done = DispatchSemaphore(value: 0)
  let thread = Thread {
    box.value = body()
    done.signal()
  }
  thread.stackSize = bytes
  thread.start()
  done.wait()
  return box.value
}

extension Column {
  fileprivate var numericValuesForTest: [Double] {
    if case .numeric(let c) = storage { return c.values }
    return []
  }
}
