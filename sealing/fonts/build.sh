#!/bin/sh
# Regenerates SealbidSans.ttf from its two sources (see README.md).
# Needs: apt-get (Debian bookworm sources), dpkg-deb, Python 3 with fonttools 4.x
# (`pip install fonttools`). Not run by CI; the result is committed.
set -eu
# Reproducible head.created/modified (fontTools honours SOURCE_DATE_EPOCH).
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1795305600}

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# 1. The sources, from Debian bookworm.
apt-get download fonts-droid-fallback=1:6.0.1r16-1.1 fonts-noto-core=20201225-1
dpkg-deb -x fonts-droid-fallback_*.deb droid
dpkg-deb -x fonts-noto-core_*.deb noto
cjk=droid/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf
latin=noto/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf

# 2. CJK: everything in subset-chars.txt (GB 2312 and CJK punctuation) except
#    what the Latin font draws (Droid Sans Fallback has no ASCII glyphs besides
#    the space). No hinting (PDF viewers rasterise unhinted) and no vertical
#    metrics (nothing here sets text vertically): that keeps the file small and
#    lets the two fonts merge.
latin_ranges='U+0020-007E,U+00A0-00FF,U+2014,U+2018,U+2019,U+201C,U+201D,U+2026'
pyftsubset "$cjk" --text-file="$here/subset-chars.txt" \
    --output-file=cjk.ttf --layout-features='*' --name-IDs='*' --notdef-outline \
    --no-hinting --drop-tables+=vhea,vmtx
python3 - <<'PY'
from fontTools.ttLib import TTFont
f = TTFont("cjk.ttf")
# The Latin font supplies these code points.
latin = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | {0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026}
for table in f["cmap"].tables:
    for cp in [cp for cp in table.cmap if cp in latin]:
        del table.cmap[cp]
f.save("cjk.ttf")
PY

# 3. Latin: printable ASCII, Latin-1 and ×·¥…—‘’“” from Noto Sans, scaled from
#    1000 to the CJK font's 256 units per em (fontTools.ttLib.scaleUpem).
pyftsubset "$latin" --unicodes="$latin_ranges" --output-file=latin1000.ttf \
    --layout-features='' --no-hinting --notdef-outline
python3 - <<'PY'
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
f = TTFont("latin1000.ttf")
scale_upem(f, TTFont("cjk.ttf")["head"].unitsPerEm)
f.save("latin.ttf")
PY

# 4. Merge (the CJK font first: its .notdef, names and vertical metrics win),
#    rename, write.
python3 - "$here/SealbidSans.ttf" <<'PY'
import sys
from fontTools.merge import Merger
from fontTools.ttLib import TTFont
font = Merger().merge(["cjk.ttf", "latin.ttf"])
names = font["name"]
for rec in list(names.names):
    if rec.nameID in (1, 3, 4, 6, 16, 17):
        names.removeNames(nameID=rec.nameID)
for lang in (0x409,):
    names.setName("Sealbid Sans", 1, 3, 1, lang)
    names.setName("Sealbid Sans Regular", 4, 3, 1, lang)
    names.setName("SealbidSans-Regular", 6, 3, 1, lang)
    names.setName("Sealbid Sans 2.0: Droid Sans Fallback (GB 2312 subset) + Noto Sans (Latin subset)", 3, 3, 1, lang)
names.setName(
    "Droid Sans Fallback: Copyright (C) 2006-2010 Google Corp., Apache License 2.0. "
    "Noto Sans: Copyright 2015 Google LLC, SIL Open Font License 1.1.", 0, 3, 1, 0x409)
names.setName(
    "This Font Software is licensed under the SIL Open Font License, Version 1.1; "
    "its Droid Sans Fallback glyphs are also licensed under the Apache License, Version 2.0.",
    13, 3, 1, 0x409)
names.setName("https://openfontlicense.org https://www.apache.org/licenses/LICENSE-2.0", 14, 3, 1, 0x409)
font.save(sys.argv[1])
PY
ls -l "$here/SealbidSans.ttf"
