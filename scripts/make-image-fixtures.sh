#!/usr/bin/env bash
# Regenerates test/data/images/ from test/data/face-one.png: the same photo in
# every PNG and JPEG layout that the image decoder must read, plus corrupt files
# and a decompression bomb. Needs Debian's imagemagick, libjpeg-turbo-progs and
# libimage-exiftool-perl. The outputs are committed; tests do not run this, and
# ImageMagick stamps each PNG with its creation time, so reruns differ by bytes.
set -euo pipefail
cd "$(dirname "$0")/../test/data"
src=face-one.png
out=images
mkdir -p "$out"

# A 256×200 crop keeps the face (x 89–136, y 40–87) and makes the image
# non-square, so rotations are visible in its width and height.
convert "$src" -crop 256x200+0+0 +repage "$out/face-crop.png"
base="$out/face-crop.png"

convert "$base" -depth 16 "PNG48:$out/face-rgb16.png"
convert "$base" -colorspace Gray -depth 8 -define png:color-type=0 "$out/face-gray8.png"
convert "$base" -colorspace Gray -depth 16 -define png:color-type=0 "$out/face-gray16.png"
convert "$base" -colors 200 -define png:color-type=3 "$out/face-palette.png"
# Alpha: a transparent 24-pixel border that must come out white.
convert "$base" -alpha set -region 256x24+0+176 -alpha transparent +region "PNG32:$out/face-rgba8.png"
convert "$base" -alpha set -region 256x24+0+176 -alpha transparent +region -depth 16 "PNG64:$out/face-rgba16.png"
convert "$base" -colorspace Gray -alpha set -region 256x24+0+176 -alpha transparent +region \
  -define png:color-type=4 "$out/face-graya8.png"
convert "$base" -alpha set -region 256x24+0+176 -alpha transparent +region "PNG8:$out/face-palette-alpha.png"

convert "$base" -quality 90 "$out/face-baseline.jpg"
convert "$base" -quality 90 -interlace Plane "$out/face-progressive.jpg"
convert "$base" -quality 90 -colorspace Gray "$out/face-gray.jpg"
convert "$base" -quality 90 -colorspace CMYK "$out/face-cmyk.jpg"

# EXIF orientation: store the pixels turned so that applying the tag shows the crop.
convert "$base" -rotate -90 -quality 90 "$out/face-orient6.jpg"
convert "$base" -rotate 180 -quality 90 "$out/face-orient3.jpg"
convert "$base" -rotate 90 -quality 90 "$out/face-orient8.jpg"
convert "$base" -flop -quality 90 "$out/face-orient2.jpg"
exiftool -q -overwrite_original -n -Orientation=6 "$out/face-orient6.jpg"
exiftool -q -overwrite_original -n -Orientation=3 "$out/face-orient3.jpg"
exiftool -q -overwrite_original -n -Orientation=8 "$out/face-orient8.jpg"
exiftool -q -overwrite_original -n -Orientation=2 "$out/face-orient2.jpg"

# A 512×512 baseline JPEG for the latency benchmark of /v1/faces.
convert "$src" -resize 512x512 -quality 90 "$out/face-512.jpg"

# Corrupt files: cut short, and a valid header followed by garbage.
head -c 6000 "$out/face-baseline.jpg" >"$out/truncated.jpg"
head -c 30000 "$out/face-crop.png" >"$out/truncated.png"
{ head -c 33 "$out/face-crop.png"; head -c 2000 /dev/zero | tr '\0' 'x'; } >"$out/garbage.png"

# A 12000×12000 white PNG: about 400 KB on disk, 432 MB as RGB pixels. Written
# by Python's zlib because ImageMagick's resource limits refuse such an image.
python3 - "$out/bomb.png" <<'PY'
import struct, sys, zlib
width = height = 12000
def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
row = b'\x00' + b'\xff' * (width * 3)
packer = zlib.compressobj(9)
idat = b''.join(packer.compress(row) for _ in range(height)) + packer.flush()
with open(sys.argv[1], 'wb') as f:
    f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)))
    f.write(chunk(b'IDAT', idat) + chunk(b'IEND', b''))
PY

# The PNG and JPEG digits of the classifier tests: MNIST digit 7 (white on black),
# its inverse, and the inverse placed off centre on a larger sheet.
convert digit-7.png -filter point -resize 300% "$out/digit7-large.png"
convert digit-7.png -negate -filter point -resize 300% "$out/digit7-dark-on-light.png"
convert digit-7.png -negate -filter point -resize 300% -background white -gravity northwest \
  -extent 200x150 -roll +110+40 "$out/digit7-offcentre.png"
convert digit-3.png -negate -filter point -resize 200% -quality 95 "$out/digit3-dark-on-light.jpg"
