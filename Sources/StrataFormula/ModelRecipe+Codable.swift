import Foundation

/// A recipe saved with a fit (`strata fit --save`) so that margins and predictions can run later
/// on the data without refitting.
///
/// The encoding stores the formula text and everything data-dependent (kept levels, encodings,
/// codings, column names, roles); decoding re-parses the formula, recomputes its terms and checks
/// that they name the same variables, so a saved recipe cannot silently drift from its formula.
extension ModelRecipe: Codable {
  private enum CodingKeys: String, CodingKey {
    case formula, variableNames, encodings, inTerms, codings, columnNames, assign
    case responseVariables, responseTransformation, variables
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(formula.text, forKey: .formula)
    try c.encode(modelVariables.map(\.name), forKey: .variableNames)
    try c.encode(modelVariables.map(\.encoding), forKey: .encodings)
    try c.encode(modelVariables.map(\.isInTerms), forKey: .inTerms)
    try c.encode(codings, forKey: .codings)
    try c.encode(columnNames, forKey: .columnNames)
    try c.encode(assign, forKey: .assign)
    try c.encode(responseVariables, forKey: .responseVariables)
    try c.encodeIfPresent(responseTransformation, forKey: .responseTransformation)
    try c.encode(variables, forKey: .variables)
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let text = try c.decode(String.self, forKey: .formula)
    let parsed = try Formula.parse(text)
    let terms = try Terms(formula: parsed)
    formula = parsed
    self.terms = terms
    let names = try c.decode([String].self, forKey: .variableNames)
    let encodings = try c.decode([Encoding].self, forKey: .encodings)
    let inTerms = try c.decode([Bool].self, forKey: .inTerms)
    guard names == terms.variableNames, encodings.count == names.count, inTerms.count == names.count else {
      throw DecodingError.dataCorruptedError(
        forKey: .variableNames, in: c,
        debugDescription: "the saved variables \(names) do not match the formula's \(terms.variableNames)")
    }
    let expressions = terms.variables
    modelVariables = names.indices.map {
      ModelVariable(
        expression: expressions[$0], name: names[$0], encoding: encodings[$0], isInTerms: inTerms[$0])
    }
    codings = try c.decode([[Int: Coding]].self, forKey: .codings)
    columnNames = try c.decode([String].self, forKey: .columnNames)
    assign = try c.decode([Int].self, forKey: .assign)
    guard codings.count == terms.terms.count, assign.count == columnNames.count else {
      throw DecodingError.dataCorruptedError(
        forKey: .codings, in: c, debugDescription: "the saved codings or columns do not match the formula's terms")
    }
    responseVariables = try c.decode([String].self, forKey: .responseVariables)
    responseTransformation = try c.decodeIfPresent(ResponseTransformation.self, forKey: .responseTransformation)
    variables = try c.decode([DataVariable].self, forKey: .variables)
    if let r = terms.responseIndex {
      response = terms.variables[r]
      responseName = terms.variableNames[r]
    } else {
      response = nil
      responseName = nil
    }
  }
}
