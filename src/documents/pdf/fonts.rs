//! Fonts for the PDF renderer: where they are ([`PdfFonts`]), and, for one export,
//! looking glyphs up with a fallback and embedding the glyphs used as subset CID fonts.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId, RawFace, Tag, name_id};

/// A regular CJK font file, overriding the search.
pub const FONT_ENV: &str = "GROUNDSWELL_PDF_FONT";
/// A bold CJK font file, overriding the search.
pub const BOLD_FONT_ENV: &str = "GROUNDSWELL_PDF_BOLD_FONT";

/// Debian's fonts-noto-cjk first, then where other distributions put the same files.
/// Serif stands in for 仿宋/宋体 in the body.
const REGULAR: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-serif-cjk-fonts/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
];
/// The bold face is the sans (gothic) one: 黑体, which the 一、 headings and the table
/// header rows call for, *is* a sans face, and those are most of the bold text. The
/// title (小标宋) is one line; a heavy sans reads as a title there too, and one bold
/// file keeps the export to two CJK subsets. The bold serif is the next choice.
const BOLD: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Bold.ttc",
];
/// For what the CJK fonts lack (Arabic, Hebrew, many symbols).
const FALLBACK: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
];

/// One face of a font file (a collection holds several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontFace {
    pub path: PathBuf,
    pub index: u32,
}

/// Where the PDF fonts are. Cheap to keep: paths only, the files are opened per export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfFonts {
    /// Body text.
    pub regular: FontFace,
    /// Title, headings, table headers. The regular face again (made bold by stroking)
    /// when no bold font is installed.
    pub bold: FontFace,
    /// For characters the CJK fonts lack; without it they show as the .notdef box.
    pub fallback: Option<FontFace>,
}

#[derive(Debug, thiserror::Error)]
pub enum PdfFontError {
    #[error("PDF export needs a CJK font: install fonts-noto-cjk or set GROUNDSWELL_PDF_FONT")]
    NoCjkFont,
    #[error("font {path}: {reason}")]
    Unusable { path: PathBuf, reason: String },
}

impl PdfFonts {
    /// The fonts named by `GROUNDSWELL_PDF_FONT` / `GROUNDSWELL_PDF_BOLD_FONT`, else the
    /// first found in the standard locations.
    pub fn find() -> Result<PdfFonts, PdfFontError> {
        let env = |k| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Self::locate(env(FONT_ENV).as_deref(), env(BOLD_FONT_ENV).as_deref())
    }

    /// As [`PdfFonts::find`] with the overrides given. A file named explicitly that
    /// cannot be used is an error, not a reason to look elsewhere.
    pub fn locate(regular: Option<&Path>, bold: Option<&Path>) -> Result<PdfFonts, PdfFontError> {
        Self::search(regular, bold, [REGULAR, BOLD, FALLBACK])
    }

    /// As [`PdfFonts::locate`], in the given lists of regular, bold and fallback files.
    pub(super) fn search(
        regular: Option<&Path>,
        bold: Option<&Path>,
        [regulars, bolds, fallbacks]: [&[&str]; 3],
    ) -> Result<PdfFonts, PdfFontError> {
        let regular = match regular {
            Some(p) => cjk_face(p)?,
            None => first_usable(regulars).ok_or(PdfFontError::NoCjkFont)?,
        };
        let bold = match bold {
            Some(p) => cjk_face(p)?,
            None => first_usable(bolds).unwrap_or_else(|| regular.clone()),
        };
        let fallback = fallbacks
            .iter()
            .map(Path::new)
            .find(|p| p.is_file())
            .and_then(|p| {
                let map = map_file(p).ok()?;
                Face::parse(&map, 0).ok()?;
                Some(FontFace {
                    path: p.to_path_buf(),
                    index: 0,
                })
            });
        Ok(PdfFonts {
            regular,
            bold,
            fallback,
        })
    }
}

fn first_usable(candidates: &[&str]) -> Option<FontFace> {
    candidates
        .iter()
        .map(Path::new)
        .filter(|p| p.is_file())
        .find_map(|p| cjk_face(p).ok())
}

/// Maps a font file into memory for the length of one export.
///
/// Safety: the mapping is undefined behaviour only if the file is changed in place
/// while mapped. Font packages are upgraded by writing a new file and renaming it over
/// the old (the old inode, and so this mapping, stays intact), and a mapping lives only
/// for one export, so the risk is an administrator rewriting an override file in place
/// during an export. In exchange the 20–27 MB files are never copied onto the heap:
/// only the pages read (cmap, metrics, the used glyphs) come in, from the page cache
/// that all exports share.
pub(super) fn map_file(path: &Path) -> std::io::Result<memmap2::Mmap> {
    let file = File::open(path)?;
    unsafe { memmap2::Mmap::map(&file) }
}

/// The face of `path` to use for Chinese: in a collection, the one whose family name
/// ends in "SC" (Simplified Chinese), else the first that has Chinese characters.
fn cjk_face(path: &Path) -> Result<FontFace, PdfFontError> {
    let unusable = |reason: String| PdfFontError::Unusable {
        path: path.to_path_buf(),
        reason,
    };
    let data = map_file(path).map_err(|e| unusable(e.to_string()))?;
    let count = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
    let mut han = None;
    for index in 0..count {
        let Ok(face) = Face::parse(&data, index) else {
            continue;
        };
        if face.glyph_index('中').is_none() || face.glyph_index('，').is_none() {
            continue;
        }
        if family_names(&face).any(|f| f.trim_end().ends_with("SC")) {
            return Ok(FontFace {
                path: path.to_path_buf(),
                index,
            });
        }
        han.get_or_insert(index);
    }
    han.map(|index| FontFace {
        path: path.to_path_buf(),
        index,
    })
    .ok_or_else(|| unusable("not a font with Chinese characters".into()))
}

fn family_names<'a>(face: &Face<'a>) -> impl Iterator<Item = String> + 'a {
    face.names()
        .into_iter()
        .filter(|n| n.name_id == name_id::TYPOGRAPHIC_FAMILY || n.name_id == name_id::FAMILY)
        .filter_map(|n| n.to_string())
}

/// A glyph as laid out: which font of the export, its CID there (the glyph's ID in
/// the subset) and its advance in em.
#[derive(Debug, Clone, Copy)]
pub(super) struct Glyph {
    pub font: u8,
    pub cid: u16,
    pub advance: f32,
}

/// One font of an export, borrowed from its mapped file.
pub(super) struct Loaded<'a> {
    data: &'a [u8],
    index: u32,
    face: Face<'a>,
    units_per_em: f32,
    cff: bool,
    serif: bool,
    remapper: GlyphRemapper,
    /// By CID: the advance in thousandths of an em, and the character first drawn with it.
    widths: Vec<f32>,
    unicode: Vec<Option<char>>,
    used: bool,
}

impl<'a> Loaded<'a> {
    fn new(data: &'a [u8], index: u32, serif: bool) -> anyhow::Result<Self> {
        let face = Face::parse(data, index)?;
        let cff = face.raw_face().table(Tag::from_bytes(b"CFF ")).is_some();
        if !cff && face.raw_face().table(Tag::from_bytes(b"glyf")).is_none() {
            anyhow::bail!("neither CFF nor TrueType outlines");
        }
        let units_per_em = f32::from(face.units_per_em());
        let notdef = face.glyph_hor_advance(GlyphId(0)).unwrap_or(0);
        Ok(Loaded {
            data,
            index,
            units_per_em,
            cff,
            serif,
            remapper: GlyphRemapper::new(),
            widths: vec![f32::from(notdef) * 1000.0 / units_per_em],
            unicode: vec![None],
            used: false,
            face,
        })
    }

    fn lookup(&mut self, c: char) -> Option<(u16, f32)> {
        let gid = self.face.glyph_index(c).filter(|g| g.0 != 0)?;
        let cid = self.remapper.remap(gid.0);
        if usize::from(cid) == self.widths.len() {
            let adv = f32::from(self.face.glyph_hor_advance(gid).unwrap_or(0));
            self.widths.push(adv * 1000.0 / self.units_per_em);
            self.unicode.push(Some(c));
        }
        Some((cid, self.widths[usize::from(cid)] / 1000.0))
    }

    fn notdef(&self) -> (u16, f32) {
        (0, self.widths[0] / 1000.0)
    }

    fn ps_name(&self) -> String {
        let name = self
            .face
            .names()
            .into_iter()
            .filter(|n| n.name_id == name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .unwrap_or_else(|| "Font".into());
        // A PDF name: printable ASCII without delimiters.
        name.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .take(60)
            .collect()
    }
}

/// Which of the export's CJK faces a piece of text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Weight {
    Regular,
    Bold,
}

/// The mapped files of one export.
pub(super) struct Files {
    regular: memmap2::Mmap,
    bold: Option<memmap2::Mmap>,
    fallback: Option<memmap2::Mmap>,
}

impl Files {
    pub fn open(fonts: &PdfFonts) -> anyhow::Result<Files> {
        let open = |f: &FontFace| {
            map_file(&f.path).map_err(|e| anyhow::anyhow!("font {}: {e}", f.path.display()))
        };
        Ok(Files {
            regular: open(&fonts.regular)?,
            bold: if fonts.bold == fonts.regular {
                None
            } else {
                Some(open(&fonts.bold)?)
            },
            // The fallback is optional: without it, missing characters show as .notdef.
            fallback: fonts.fallback.as_ref().and_then(|f| open(f).ok()),
        })
    }
}

/// The fonts of one export: glyph lookup with fallback, and what was used.
pub(super) struct FontSet<'a> {
    fonts: Vec<Loaded<'a>>,
    /// The font index for each weight.
    regular: u8,
    bold: u8,
    fallback: Option<u8>,
    /// No bold file: bold text is the regular face, stroked.
    pub synthetic_bold: bool,
    cache: HashMap<(Weight, char), Glyph>,
}

impl<'a> FontSet<'a> {
    pub fn new(files: &'a Files, fonts: &PdfFonts) -> anyhow::Result<FontSet<'a>> {
        let mut set = Vec::new();
        set.push(Loaded::new(&files.regular, fonts.regular.index, true)?);
        let bold = match &files.bold {
            Some(data) => {
                let serif = fonts.bold.path.to_string_lossy().contains("Serif");
                set.push(Loaded::new(data, fonts.bold.index, serif)?);
                1
            }
            None => 0,
        };
        let fallback = match (&files.fallback, &fonts.fallback) {
            (Some(data), Some(f)) => match Loaded::new(data, f.index, false) {
                Ok(l) => {
                    set.push(l);
                    Some((set.len() - 1) as u8)
                }
                Err(_) => None,
            },
            _ => None,
        };
        Ok(FontSet {
            fonts: set,
            regular: 0,
            bold,
            fallback,
            synthetic_bold: files.bold.is_none(),
            cache: HashMap::new(),
        })
    }

    pub fn is_bold(&self, font: u8) -> bool {
        font == self.bold && font != self.regular
    }

    /// The glyph for `c`: from the face of its weight, else the fallback font, else the
    /// .notdef glyph of the face.
    pub fn glyph(&mut self, weight: Weight, c: char) -> Glyph {
        if let Some(g) = self.cache.get(&(weight, c)) {
            return *g;
        }
        let primary = match weight {
            Weight::Regular => self.regular,
            Weight::Bold => self.bold,
        };
        let found = self.fonts[usize::from(primary)]
            .lookup(c)
            .map(|(cid, adv)| (primary, cid, adv))
            .or_else(|| {
                let f = self.fallback?;
                self.fonts[usize::from(f)]
                    .lookup(c)
                    .map(|(cid, adv)| (f, cid, adv))
            });
        let (font, cid, advance) = found.unwrap_or_else(|| {
            let (cid, adv) = self.fonts[usize::from(primary)].notdef();
            (primary, cid, adv)
        });
        self.fonts[usize::from(font)].used = true;
        let g = Glyph { font, cid, advance };
        self.cache.insert((weight, c), g);
        g
    }

    /// Writes every font used as a subset Type0 font; returns each font's object, if
    /// used.
    pub fn write(&self, pdf: &mut Pdf, next: &mut Ref) -> anyhow::Result<Vec<Option<Ref>>> {
        let mut refs = Vec::new();
        for (i, f) in self.fonts.iter().enumerate() {
            if !f.used {
                refs.push(None);
                continue;
            }
            let mut id = || next.bump();
            let (type0, cid_font, descriptor, file, cmap) = (id(), id(), id(), id(), id());
            refs.push(Some(type0));

            let subset = subsetter::subset(f.data, f.index, &f.remapper)
                .map_err(|e| anyhow::anyhow!("subsetting a font: {e}"))?;
            let program = if f.cff {
                // The bare CFF table of the subset, as FontFile3 /CIDFontType0C.
                RawFace::parse(&subset, 0)
                    .ok()
                    .and_then(|r| r.table(Tag::from_bytes(b"CFF ")))
                    .ok_or_else(|| anyhow::anyhow!("the font subset has no CFF table"))?
                    .to_vec()
            } else {
                subset
            };
            let base = format!("{}+{}", subset_tag(&f.remapper), f.ps_name());
            let system_info = SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            };

            let type0_name = if f.cff {
                format!("{base}-Identity-H")
            } else {
                base.clone()
            };
            pdf.type0_font(type0)
                .base_font(Name(type0_name.as_bytes()))
                .encoding_predefined(Name(b"Identity-H"))
                .descendant_font(cid_font)
                .to_unicode(cmap);

            let mut cid = pdf.cid_font(cid_font);
            cid.subtype(if f.cff {
                CidFontType::Type0
            } else {
                CidFontType::Type2
            })
            .base_font(Name(base.as_bytes()))
            .system_info(system_info)
            .font_descriptor(descriptor)
            .default_width(f.widths[0]);
            if !f.cff {
                // The subsetter numbers glyphs from 0 in the order they were used: CID =
                // glyph ID of the subset.
                cid.cid_to_gid_map_predefined(Name(b"Identity"));
            }
            cid.widths().consecutive(0, f.widths.iter().copied());
            cid.finish();

            let scale = 1000.0 / f.units_per_em;
            let bbox = f.face.global_bounding_box();
            let ascent = f32::from(f.face.ascender()) * scale;
            let descent = f32::from(f.face.descender()) * scale;
            let cap = f
                .face
                .capital_height()
                .map_or(ascent, |c| f32::from(c) * scale);
            let mut flags = FontFlags::SYMBOLIC;
            if f.serif {
                flags |= FontFlags::SERIF;
            }
            let mut fd = pdf.font_descriptor(descriptor);
            fd.name(Name(base.as_bytes()))
                .flags(flags)
                .bbox(Rect::new(
                    f32::from(bbox.x_min) * scale,
                    f32::from(bbox.y_min) * scale,
                    f32::from(bbox.x_max) * scale,
                    f32::from(bbox.y_max) * scale,
                ))
                .italic_angle(0.0)
                .ascent(ascent)
                .descent(descent)
                .cap_height(cap)
                .stem_v(if self.is_bold(i as u8) { 140.0 } else { 80.0 });
            if f.cff {
                fd.font_file3(file);
            } else {
                fd.font_file2(file);
            }
            fd.finish();

            let compressed = super::deflate(&program);
            let mut stream = pdf.stream(file, &compressed);
            stream.filter(Filter::FlateDecode);
            if f.cff {
                stream.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
            } else {
                stream.pair(Name(b"Length1"), program.len() as i32);
            }
            stream.finish();

            let mut unicode = UnicodeCmap::new(Name(b"Groundswell-UCS"), system_info);
            // .notdef stands for characters no font has: extracted as U+FFFD.
            unicode.pair(0, char::REPLACEMENT_CHARACTER);
            for (cid, c) in f.unicode.iter().enumerate().skip(1) {
                if let Some(c) = c {
                    unicode.pair(cid as u16, *c);
                }
            }
            let cmap_data = super::deflate(&unicode.finish());
            pdf.stream(cmap, &cmap_data).filter(Filter::FlateDecode);
        }
        Ok(refs)
    }
}

/// Six capital letters naming the subset (PDF 32000 9.6.4), from the glyphs it holds.
fn subset_tag(remapper: &GlyphRemapper) -> String {
    // FNV-1a over the glyph IDs, in the order they were used.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for g in remapper.remapped_gids() {
        for b in g.to_be_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 8)) % 26) as u8))
        .collect()
}
