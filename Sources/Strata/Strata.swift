// The umbrella module: `import Strata` brings in every library layer.
@_exported import StrataAnalysis
@_exported import StrataData
@_exported import StrataDesign
@_exported import StrataFormula
@_exported import StrataInference
@_exported import StrataLinalg
@_exported import StrataModels
@_exported import StrataPostgres
@_exported import StrataReport
@_exported import StrataScale
@_exported import StrataSimulate
@_exported import StrataSupport
