#!/usr/bin/env bash
# CI only: installs the TeX that TableLayoutTests.latexFitsThePage compiles `strata table
# --format latex` with (xelatex + ctex, pdflatex + CJKutf8, booktabs/tabularx/threeparttable/
# pdflscape), about 170 MB of Debian packages without their recommends. Strata itself never needs
# TeX; without it the test says it is skipped. Does nothing when xelatex and pdflatex are present
# or when it cannot install (no root and no sudo).
set -euo pipefail
if command -v xelatex >/dev/null 2>&1 && command -v pdflatex >/dev/null 2>&1 && command -v kpsewhich >/dev/null 2>&1 \
  && kpsewhich ctex.sty CJKutf8.sty threeparttable.sty pdflscape.sty >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "setup-tex: no root or sudo; the LaTeX compile test will be skipped" >&2
    exit 0
  fi
fi
echo "setup-tex: installing TeX for the LaTeX table test (about 170 MB)" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  texlive-xetex texlive-lang-chinese texlive-latex-recommended latex-cjk-chinese latex-cjk-chinese-arphic-gbsn00lp >/dev/null
