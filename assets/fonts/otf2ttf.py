# Part of Hesheng: converts the CFF outlines of the Noto CJK faces to TrueType (see LICENSE).
# Converts a CFF-outline OpenType font to TrueType outlines (quadratic curves).
import sys, time
from fontTools.ttLib import TTFont, newTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen

def convert(src, dst, max_err=1.0):
    t0 = time.time()
    font = TTFont(src)
    order = font.getGlyphOrder()
    gs = font.getGlyphSet()
    glyphs = {}
    for i, name in enumerate(order):
        pen = TTGlyphPen(gs)
        gs[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyphs[name] = pen.glyph()
        if i % 10000 == 0:
            print(i, time.time() - t0, flush=True)
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, g in glyphs.items():
        if hasattr(g, "xMin"):
            adv, _ = hmtx[name]
            hmtx[name] = (adv, g.xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    maxp.maxTwilightPoints = 0
    maxp.maxStorage = 0
    maxp.maxFunctionDefs = 0
    maxp.maxInstructionDefs = 0
    maxp.maxStackElements = 0
    maxp.maxSizeOfInstructions = 0
    maxp.maxComponentElements = max(len(g.components if hasattr(g, "components") else []) for g in glyphs.values())
    post = font["post"]
    post.formatType = 3.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = None
    font.sfntVersion = "\000\001\000\000"
    font.save(dst)
    print("done", time.time() - t0)

convert(sys.argv[1], sys.argv[2])
