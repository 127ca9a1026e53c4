# Generates formula.json: R's model-matrix column names, term labels, assign, row counts and
# matrix values for formulas on wage1.csv, mroz.csv and a synthetic data set (written here).
# Run from the repository root:  Rscript Tests/Fixtures/formula/make_formula_fixtures.R
# String factors get their levels in C-locale order, as Strata's readers do.
invisible(Sys.setlocale("LC_COLLATE", "C"))
out_dir <- "Tests/Fixtures/formula"

# ---- synthetic data: string factors, an unused level after subsetting, a numeric factor, NAs
set.seed(20240517)
n <- 40
syn <- data.frame(
  y = round(rnorm(n, 10, 2), 3),
  x = round(runif(n, 0, 10), 2),
  g = sample(c("a", "b", "c"), n, replace = TRUE),
  h = sample(c("M", "F"), n, replace = TRUE),
  n = sample(c(1, 2.5, 10, 1e5), n, replace = TRUE),
  w = round(runif(n, 0.5, 3), 2),
  stringsAsFactors = FALSE)
syn$g[c(5, 17)] <- "d"       # level "d" only in rows with x > 9.5 (removed by the subsets below)
syn$x[c(5, 17)] <- c(9.9, 9.7)
syn$x[8] <- NA
syn$g[12] <- NA
syn$y[30] <- NA
write.csv(syn, file.path(out_dir, "synthetic.csv"), row.names = FALSE, quote = FALSE, na = "NA")

datasets <- list(
  wage1 = read.csv("datasets/wage1.csv"),
  mroz = read.csv("datasets/mroz.csv"),
  synthetic = read.csv(file.path(out_dir, "synthetic.csv")))

cases <- list(
  list("wage1", "lwage ~ educ + exper + tenure"),
  list("wage1", "log(wage) ~ educ + exper + I(exper^2) + I((exper - 25)^2)"),
  list("wage1", "lwage ~ factor(female) + factor(married) + educ"),
  list("wage1", "lwage ~ factor(numdep) + educ"),
  list("wage1", "lwage ~ educ * female"),
  list("wage1", "lwage ~ factor(female) * factor(married)"),
  list("wage1", "lwage ~ (educ + exper + tenure)^2"),
  list("wage1", "lwage ~ (educ + exper + tenure + female)^3 - educ:exper"),
  list("wage1", "lwage ~ educ + exper - 1"),
  list("wage1", "lwage ~ 0 + factor(female) + educ"),
  list("wage1", "lwage ~ factor(female):factor(married)"),
  list("wage1", "lwage ~ educ + factor(female):educ"),
  list("wage1", "lwage ~ 0 + educ + educ:factor(female)"),
  list("wage1", "lwage ~ factor(female) + factor(female):factor(married)"),
  list("wage1", "lwage ~ factor(married):factor(female) + factor(female) + educ"),
  list("wage1", "lwage ~ I((1 - female) * married) + I(1/(exper + 1)) + I(-educ)"),
  list("wage1", "lwage ~ poly(exper, 2, raw = TRUE) + educ"),
  list("wage1", "lwage ~ poly(exper, 3, raw = TRUE):factor(female)"),
  list("wage1", "lwage ~ I(educ > 12) + exper + I(female == 1 & married == 1)"),
  list("wage1", "lwage ~ educ + log1p(exper) + sqrt(tenure) + exp(educ/10) + abs(exper - 10) + log(wage, 2) + log(wage, base = 10)"),
  list("wage1", "lwage ~ educ + exper", subset = "female == 1 & married %in% c(1)", weights = "1/(1 + tenure)"),
  list("wage1", "lwage ~ educ + factor(numdep)", subset = "numdep %in% c(1, 2, 3) & educ >= 10"),
  list("wage1", "wage ~ educ + exper + educ:exper:female", weights = "exper + 1"),
  list("wage1", "~ educ + factor(female)"),
  list("wage1", "lwage ~ educ + I(exper^2) + exper %in% female"),
  list("wage1", "lwage ~ educ + log(tenure - 0.5)"),   # NaN from log of a negative: dropped as NA
  list("wage1", "lwage ~ educ + tenure", subset = "exper > 5 & (TRUE | NA) & !(tenure %in% c(0, 1)) | NA & FALSE"),
  list("mroz", "lwage ~ educ + exper + I(exper^2)"),
  list("mroz", "hours ~ educ + factor(kidslt6) + nwifeinc", subset = "inlf == 1 | age > 50"),
  list("mroz", "lwage ~ educ + log(faminc) + factor(city):educ", weights = "faminc/1000"),
  list("synthetic", "y ~ g + x"),
  list("synthetic", "y ~ h + g - g"),   # a removed variable still drops its NA rows
  list("synthetic", "y ~ g + x", subset = "g != \"d\""),
  list("synthetic", "y ~ factor(n) + h"),
  list("synthetic", "y ~ g * h", subset = "x < 9.5"),
  list("synthetic", "y ~ x + g:x", subset = "x < 9.5"),
  list("synthetic", "y ~ 0 + g:h", subset = "!(g %in% c(\"d\"))"),
  list("synthetic", "y ~ I(x > 5) + g + factor(x > 5):h", subset = "x < 9.5"),
  list("synthetic", "y ~ g/h", subset = "x < 9.5"),
  list("synthetic", "y ~ (g + h + x)^2", subset = "g %in% c(\"a\", \"b\") & x > 1", weights = "w"),
  list("synthetic", "y ~ h:g + x:h", subset = "x <= 9.5"))

jstr <- function(s) {
  s <- gsub("\\\\", "\\\\\\\\", s)
  s <- gsub("\"", "\\\\\"", s)
  paste0("\"", s, "\"")
}
jnum <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
jarr <- function(v, f) paste0("[", paste(vapply(v, f, ""), collapse = ", "), "]")

items <- character()
for (cs in cases) {
  data <- datasets[[cs[[1]]]]
  f <- as.formula(cs[[2]])
  sub <- if (is.null(cs$subset)) NULL else str2lang(cs$subset)
  wts <- if (is.null(cs$weights)) NULL else str2lang(cs$weights)
  mf <- eval(bquote(model.frame(f, data, subset = .(sub), weights = .(wts),
                                na.action = na.omit, drop.unused.levels = TRUE)))
  x <- model.matrix(terms(mf), mf)
  y <- model.response(mf, "numeric")
  w <- model.weights(mf)
  rows <- as.integer(rownames(mf)) - 1L
  nsub <- if (is.null(sub)) 0L else sum(!(eval(sub, data) %in% TRUE))
  fields <- c(
    sprintf("\"dataset\": %s", jstr(cs[[1]])),
    sprintf("\"formula\": %s", jstr(cs[[2]])),
    if (!is.null(cs$subset)) sprintf("\"subset\": %s", jstr(cs$subset)),
    if (!is.null(cs$weights)) sprintf("\"weights\": %s", jstr(cs$weights)),
    sprintf("\"columnNames\": %s", jarr(colnames(x), jstr)),
    sprintf("\"termLabels\": %s", jarr(attr(terms(f), "term.labels"), jstr)),
    sprintf("\"assign\": %s", jarr(attr(x, "assign"), function(a) sprintf("%d", a))),
    sprintf("\"intercept\": %s", if (attr(terms(f), "intercept") == 1) "true" else "false"),
    sprintf("\"nrow\": %d", nrow(x)),
    sprintf("\"droppedBySubset\": %d", nsub),
    sprintf("\"droppedMissing\": %d", nrow(data) - nsub - nrow(x)),
    sprintf("\"firstRowIndex\": %d", rows[1]),
    sprintf("\"lastRowIndex\": %d", rows[length(rows)]),
    sprintf("\"rowIndexSum\": %.17g", sum(as.numeric(rows))),
    sprintf("\"firstRow\": %s", jarr(x[1, ], jnum)),
    sprintf("\"lastRow\": %s", jarr(x[nrow(x), ], jnum)),
    sprintf("\"columnSums\": %s", jarr(colSums(x), jnum)),
    sprintf("\"columnSquareSums\": %s", jarr(colSums(x^2), jnum)),
    if (!is.null(y)) sprintf("\"responseName\": %s", jstr(deparse(f[[2]], backtick = TRUE))),
    if (!is.null(y)) sprintf("\"responseSum\": %.17g", sum(y)),
    if (!is.null(y)) sprintf("\"responseFirst\": %.17g", y[1]),
    if (!is.null(w)) sprintf("\"weightSum\": %.17g", sum(w)),
    if (!is.null(w)) sprintf("\"weightLast\": %.17g", w[length(w)]))
  items <- c(items, paste0("    {\n      ", paste(fields, collapse = ",\n      "), "\n    }"))
}

# ---- terms only (no data): term labels and intercept
term_formulas <- c(
  "y ~ b:a + a", "y ~ a + b:a", "y ~ (a + b + c)^2", "y ~ (a + b + c)^3 - a:b",
  "y ~ c*b + a:c + a", "y ~ a/b", "y ~ (a + b)/c", "y ~ a + b %in% a", "y ~ x + z - z",
  "y ~ log( x ) + log(x)", "y ~ I(x^2) + I(x ^ 2)", "y ~ -1 + x", "y ~ x - 0", "y ~ x + 0",
  "y ~ a*b*c - a:b:c", "y ~ x + (a + b):c", "y ~ 1", "y ~ a + 1 - 1 + 1", "~ a + b",
  "y ~ a:b:c + b:a + a", "y ~ (a + b)^2 - a", "y ~ a*b - a - b", "y ~ f(x, 2) + g(x)",
  "y ~ poly(x, degree = 2, raw = TRUE) + x:poly(x, degree = 2, raw = TRUE)")
titems <- character()
for (s in term_formulas) {
  t <- terms(as.formula(s))
  titems <- c(titems, sprintf("    {\"formula\": %s, \"termLabels\": %s, \"intercept\": %s}",
    jstr(s), jarr(attr(t, "term.labels"), jstr), if (attr(t, "intercept") == 1) "true" else "false"))
}

# ---- deparse of expressions and as.character of numbers
exprs <- c("a/b", "a+b", "a*b", "a-b", "a^b", "-x", "a:b", "x>5", "x==5", "!x", "a&b", "a|b",
  "a%in%b", "f(a,b)", "poly(x,2,raw=TRUE)", "I((age-25)^2)", "I((1-female)*married)", "x^2.50",
  "1e-4", "0.0001", "0.001", "100000", "123456", "1e15", "1/3", "'HS'", "`my var`", "log(`my var`)",
  "2L", "a<=b", "a&&b", "+x", "c('a',\"b\")", "log(x, base=2)", "I(x^-1)", "x - -1", "1e5+1",
  "0.1+0.2", "TRUE", "T", "1234567890123456", "0.1234567890123456", "I(- x)", "3.14159265358979323",
  "x %% 2", "x%/%2", "I(s == 'a\"b')", "NA", "Inf", "x**2", "0x10", "1.5e300", ".5", "a.b_c",
  "`_x`", "`1x`", "`if`", "f(.x)", "I((x))")
ditems <- vapply(exprs, function(e)
  sprintf("    {\"text\": %s, \"deparse\": %s}", jstr(e), jstr(deparse(str2lang(e), backtick = TRUE))), "")
nums <- c(1, 2.5, 10, 1e5, 1e-4, 0.1, 1/3, 123456, 1e15, 1e16, 100, 1234567.1, 0.00012345, 2^60,
  -1.5, 1e-300, 0.001, 123456.7, 99999, 1e5 + 0.5, -1e-5, 1/7 * 1e10, 6.02214076e23, 314.15926535897931)
nitems <- vapply(nums, function(v)
  sprintf("    {\"value\": %.17g, \"text\": %s}", v, jstr(as.character(v))), "")

# ---- row expressions (subset / weights) evaluated on the synthetic data; NA -> null
row_exprs <- c("x > 5 & g == \"a\"", "x > 5 | g == \"a\"", "!(h == \"M\")", "g %in% c(\"a\", \"c\")",
  "1/w + x^2", "(x - 2) %% 3", "x %/% 2", "log(x)", "n == 2.5", "g != \"b\" | y > 10", "-x^2 + 2 * y",
  "(n >= 10) + (h != \"F\")", "sqrt(abs(y - 10)) * exp(-w)", "y > 9 & !(x < 3)", "n %in% c(1, 1e5)")
ritems <- vapply(row_exprs, function(e)
  sprintf("    {\"text\": %s, \"values\": %s}", jstr(e),
          jarr(as.numeric(eval(str2lang(e), datasets$synthetic)), jnum)), "")

con <- file(file.path(out_dir, "formula.json"), "w")
writeLines(c("{",
  sprintf("  \"generator\": \"Tests/Fixtures/formula/make_formula_fixtures.R\", \"r\": %s,", jstr(R.version.string)),
  "  \"cases\": [", paste(items, collapse = ",\n"), "  ],",
  "  \"terms\": [", paste(titems, collapse = ",\n"), "  ],",
  "  \"deparse\": [", paste(ditems, collapse = ",\n"), "  ],",
  "  \"numbers\": [", paste(nitems, collapse = ",\n"), "  ],",
  "  \"rowExpressions\": [", paste(ritems, collapse = ",\n"), "  ]",
  "}"), con)
close(con)
