# Generates recipe.json: for formulas on wage1, mroz, k401ksubs and the synthetic data set of the
# formula fixtures, R's model matrix on counterfactual (modified) new data with the fit's coding,
# and the analytic derivative of the model matrix with respect to data variables.
# Run from the repository root:  Rscript Tests/Fixtures/recipe/make_recipe_fixtures.R
#
# (a) matrix: model.matrix(tt, model.frame(tt, newdata, xlev = fit$xlevels)), tt = delete.response(terms(fit)),
#     as R's predict.lm builds it; newdata = the data with the case's scenario applied (assignments
#     `name = expr`, each evaluated on the data as modified so far), at the chosen rows.
# (b) derivatives: d model.matrix / d v, by the product rule over the variables of each term: for each
#     formula variable k that mentions v, the model frame with variable k replaced by its symbolic
#     derivative (below) gives, through model.matrix, the product-rule term of every column whose term
#     contains k; they are summed. Symbolic derivatives use the textbook rules written out in `dexpr`
#     (abs(u) -> sign(u) u', as R's D() does), cross-checked against R's D() for every expression D()
#     can differentiate (all but abs and two-argument log). Closed-form arithmetic throughout: no
#     numerical differentiation.
# String factors get their levels in C-locale order, as Strata's readers do.
invisible(Sys.setlocale("LC_COLLATE", "C"))
out_dir <- "Tests/Fixtures/recipe"
n_rows <- 25L  # rows per case written to the fixture (evenly spread over the estimation sample)

datasets <- list(
  wage1 = read.csv("datasets/wage1.csv"),
  mroz = read.csv("datasets/mroz.csv"),
  k401ksubs = read.csv("datasets/k401ksubs.csv"),
  synthetic = read.csv("Tests/Fixtures/formula/synthetic.csv"))

# dataset, formula, subset, scenario, variables to differentiate by, optional row filter
cases <- list(
  list("wage1", "lwage ~ educ + exper + I(exper^2) + factor(numdep) + educ:female", NULL,
       "numdep = 2; exper = 10", c("exper", "educ", "female")),
  list("mroz", "lwage ~ educ + log(faminc) + exper + I(exper^2) + I(exper^3)", NULL,
       "faminc = faminc * 1.1; exper = exper + 1", c("faminc", "exper")),
  list("wage1", "lwage ~ poly(exper, 3, raw = TRUE) + educ", NULL, "exper = 20", c("exper", "educ")),
  list("wage1", "lwage ~ educ:exper + tenure + female", NULL, "educ = educ + 1",
       c("educ", "exper", "tenure")),
  list("mroz", "hours ~ educ * factor(kidslt6) + nwifeinc", NULL, "kidslt6 = 1", c("educ", "nwifeinc")),
  list("k401ksubs", "nettfa ~ inc + I((age - 25)^2) + male + e401k", NULL, "age = 40; e401k = 1",
       c("age", "inc")),
  list("wage1", "lwage ~ sqrt(tenure) + educ + abs(exper - 10) + log1p(exper)", NULL, "exper = 10",
       c("tenure", "exper"), "tenure > 0"),
  list("k401ksubs", "pira ~ exp(inc/100) + age + I(age^1.5) + male + log(inc, 10)", NULL,
       "inc = inc * 0.9", c("inc", "age")),
  list("k401ksubs", "~ factor(marr) * inc + log1p(age) + I(inc/age)", NULL, "marr = 1; inc = inc + 10",
       c("inc", "age")),
  list("mroz", "inlf ~ nwifeinc + educ + exper + I(exper^2) + age + kidslt6 + I(nwifeinc/(1 + educ)) + I(educ^(exper/10))",
       NULL, "kidslt6 = 0; educ = 16", c("educ", "nwifeinc", "exper")),
  list("wage1", "lwage ~ educ * female + exper:factor(married) + I(-educ)", NULL, "married = 0; female = 1",
       c("educ", "exper", "female")),
  list("wage1", "lwage ~ 0 + factor(female):exper + I(exper^2):educ + exp(educ/10)", NULL, "female = 0",
       c("exper", "educ")),
  list("synthetic", "y ~ x * g + h", "x < 9.5", "g = \"b\"; h = \"M\"", c("x")))

# ---- symbolic derivative d e / d v (an R expression; 0 when e does not mention v)
dexpr <- function(e, v) {
  if (!(v %in% all.vars(e))) return(0)
  if (is.name(e)) return(1)
  f <- as.character(e[[1]])
  a <- e[[2]]
  switch(f,
    "(" = , "I" = dexpr(a, v),
    "+" = if (length(e) == 2) dexpr(a, v) else call("+", dexpr(a, v), dexpr(e[[3]], v)),
    "-" = if (length(e) == 2) call("-", dexpr(a, v)) else call("-", dexpr(a, v), dexpr(e[[3]], v)),
    "*" = call("+", call("*", dexpr(a, v), e[[3]]), call("*", a, dexpr(e[[3]], v))),
    "/" = call("-", call("/", dexpr(a, v), e[[3]]),
               call("/", call("*", a, dexpr(e[[3]], v)), call("^", e[[3]], 2))),
    "^" = {
      b <- e[[3]]
      if (!(v %in% all.vars(b))) call("*", call("*", b, call("^", a, call("-", b, 1))), dexpr(a, v))
      else call("+", call("*", call("*", b, call("^", a, call("-", b, 1))), dexpr(a, v)),
                     call("*", call("*", e, call("log", a)), dexpr(b, v)))
    },
    "log" = if (length(e) == 2) call("/", dexpr(a, v), a)
            else call("/", dexpr(a, v), call("*", a, call("log", e[[3]]))),
    "log1p" = call("/", dexpr(a, v), call("+", 1, a)),
    "exp" = call("*", e, dexpr(a, v)),
    "sqrt" = call("/", dexpr(a, v), call("*", 2, e)),
    "abs" = call("*", call("sign", a), dexpr(a, v)),
    stop("no derivative rule for ", f))
}

strip_I <- function(e) {
  if (is.call(e)) {
    if (identical(e[[1]], as.name("I"))) return(strip_I(e[[2]]))
    for (i in seq_along(e)[-1]) e[[i]] <- strip_I(e[[i]])
  }
  e
}

has_fun <- function(e, fs) {
  if (!is.call(e)) return(FALSE)
  if (as.character(e[[1]]) %in% fs && !(as.character(e[[1]]) == "log" && length(e) == 2)) return(TRUE)
  any(vapply(as.list(e)[-1], has_fun, FALSE, fs = fs))
}

# Derivative values of formula variable `e` (a numeric variable) on data `df`.
dvalues <- function(e, v, df) {
  d <- rep_len(as.numeric(eval(dexpr(e, v), df)), nrow(df))
  if (!has_fun(e, c("abs", "log"))) {  # cross-check with R's own symbolic differentiation
    dD <- rep_len(as.numeric(eval(D(strip_I(e), v), df)), nrow(df))
    stopifnot(isTRUE(all.equal(d, dD, tolerance = 1e-13)))
  }
  d
}

# d model.matrix / d v by the product rule (see the header).
dmodel_matrix <- function(tt, xlev, df, v) {
  mf <- model.frame(tt, df, xlev = xlev)
  X <- model.matrix(tt, mf)
  vars <- as.list(attr(tt, "variables"))[-1]
  fac <- attr(tt, "factors")
  asg <- attr(X, "assign")
  D <- matrix(0, nrow(X), ncol(X), dimnames = dimnames(X))
  for (k in seq_along(vars)) {
    e <- vars[[k]]
    if (!(v %in% all.vars(e))) next
    mfk <- mf
    if (is.call(e) && identical(e[[1]], as.name("poly"))) {
      x <- as.numeric(eval(e[[2]], df))
      dx <- rep_len(as.numeric(eval(dexpr(e[[2]], v), df)), nrow(df))
      M <- mf[[k]]
      dM <- sapply(seq_len(ncol(M)), function(p) p * x^(p - 1) * dx)
      dimnames(dM) <- dimnames(M)
      mfk[[k]] <- dM
    } else {
      stopifnot(is.numeric(mf[[k]]))
      mfk[[k]] <- dvalues(e, v, df)
    }
    Xk <- model.matrix(tt, mfk)
    cols <- asg %in% which(fac[k, ] > 0)
    D[, cols] <- D[, cols] + Xk[, cols]
  }
  D
}

apply_scenario <- function(df, scenario) {
  for (piece in strsplit(scenario, ";")[[1]]) {
    m <- regmatches(piece, regexec("^\\s*([A-Za-z0-9_.]+)\\s*=(.*)$", piece))[[1]]
    df[[m[2]]] <- rep_len(eval(str2lang(m[3]), df), nrow(df))
  }
  df
}

jstr <- function(s) {
  s <- gsub("\\\\", "\\\\\\\\", s)
  s <- gsub("\"", "\\\\\"", s)
  paste0("\"", s, "\"")
}
jnum <- function(x) {
  stopifnot(all(is.finite(x)))
  sprintf("%.17g", x)
}
jarr <- function(v, f) paste0("[", paste(vapply(v, f, ""), collapse = ", "), "]")
jmat <- function(M) paste0("[", paste(apply(M, 1, function(r) jarr(r, jnum)), collapse = ", "), "]")

items <- character()
for (cs in cases) {
  df <- datasets[[cs[[1]]]]
  f <- as.formula(cs[[2]])
  sub <- cs[[3]]
  mf0 <- if (is.null(sub)) model.frame(f, df, drop.unused.levels = TRUE)
         else eval(bquote(model.frame(f, df, subset = .(str2lang(sub)), drop.unused.levels = TRUE)))
  if (length(f) == 3) {
    fit <- if (is.null(sub)) lm(f, df) else eval(bquote(lm(f, df, subset = .(str2lang(sub)))))
    tt <- delete.response(terms(fit))
    xlev <- fit$xlevels
    rows <- as.integer(names(residuals(fit))) - 1L
  } else {
    tt <- terms(mf0)
    xlev <- .getXlevels(tt, mf0)
    rows <- as.integer(rownames(mf0)) - 1L
  }
  candidates <- rows
  if (length(cs) >= 6) candidates <- rows[eval(str2lang(cs[[6]]), df[rows + 1L, ])]
  sel <- candidates[unique(round(seq(1, length(candidates), length.out = n_rows)))]
  base <- df[sel + 1L, ]
  scen <- apply_scenario(df, cs[[4]])[sel + 1L, ]
  X <- model.matrix(tt, model.frame(tt, scen, xlev = xlev))
  ders <- vapply(cs[[5]], function(v) sprintf(
    "        {\"variable\": %s, \"base\": %s, \"scenario\": %s}", jstr(v),
    jmat(dmodel_matrix(tt, xlev, base, v)), jmat(dmodel_matrix(tt, xlev, scen, v))), "")
  xl <- if (length(xlev) == 0) "{}" else paste0("{", paste(vapply(names(xlev), function(n)
    paste0(jstr(n), ": ", jarr(xlev[[n]], jstr)), ""), collapse = ", "), "}")
  fields <- c(
    sprintf("\"dataset\": %s", jstr(cs[[1]])),
    sprintf("\"formula\": %s", jstr(cs[[2]])),
    if (!is.null(sub)) sprintf("\"subset\": %s", jstr(sub)),
    sprintf("\"scenario\": %s", jstr(cs[[4]])),
    sprintf("\"rows\": %s", jarr(sel, function(r) sprintf("%d", r))),
    sprintf("\"columnNames\": %s", jarr(colnames(X), jstr)),
    sprintf("\"xlevels\": %s", xl),
    sprintf("\"variables\": %s", jarr(all.vars(tt), jstr)),
    sprintf("\"matrix\": %s", jmat(X)),
    sprintf("\"derivatives\": [\n%s\n      ]", paste(ders, collapse = ",\n")))
  items <- c(items, paste0("    {\n      ", paste(fields, collapse = ",\n      "), "\n    }"))
}

con <- file(file.path(out_dir, "recipe.json"), "w")
writeLines(c("{",
  sprintf("  \"generator\": \"Tests/Fixtures/recipe/make_recipe_fixtures.R\", \"r\": %s,", jstr(R.version.string)),
  "  \"cases\": [", paste(items, collapse = ",\n"), "  ]",
  "}"), con)
close(con)
