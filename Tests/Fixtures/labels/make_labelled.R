# Writes labelled.dta: a small Stata file with variable labels and value labels of numeric codes
# that stay numbers (group 3 has no value label, so `grp` is read as numbers with labels, not as a
# factor). Used by Tests/StrataCLITests/LabelledOutputTests.swift to check that labels reach
# mean/prop/--by, margins --over, elasticities, --split and plot margins output.
# Regenerate from the repository root:  Rscript Tests/Fixtures/labels/make_labelled.R
library(haven)
set.seed(20)
n <- 240
grp <- rep(1:3, each = n / 3)
x <- round(rnorm(n, 10, 2), 3)
z <- round(runif(n, 1, 5), 3)
y <- as.numeric(runif(n) < plogis(-3 + 0.25 * x + 0.2 * z + 0.3 * (grp == 2)))
d <- data.frame(
  y = labelled(y, label = "Outcome (结果)"),
  x = labelled(x, label = "Regressor x (自变量)"),
  z = labelled(z, label = "Positive regressor z"),
  grp = labelled(grp, c(first = 1, second = 2), label = "Group (组别)"),
  w = round(runif(n, 1, 3), 3)
)
write_dta(d, "Tests/Fixtures/labels/labelled.dta", version = 15)
