//! Cue lexicons for the four claim labels of LABELS.md, in Indonesian and English,
//! and for four kinds of sentence that LABELS.md's `other` row names
//! (assessments and hopes, agreements and aid, praise and criticism, troop
//! movements and fighting).
//!
//! The `other` cues exist because the corpus is written for klaim and real news
//! is not: a sentence's topic words say more about who wrote it than about
//! what it does, while these word families mean the same in any news text.
//! With them, macro-F1 rose on the sample pages (0.725 to 0.737) and on news
//! coded by others (0.753 to 0.777), and similarly when trained on the older
//! 13,622-sentence corpus. A fifth family, observers and analysts (rule 6),
//! scored lower and was left out.
//!
//! Entries are stems, matched against the stem of each token (see
//! [`crate::features`]), so one entry covers a word family: "tuntut" matches
//! menuntut, tuntutan, dituntut; "ingat" matches memperingatkan, peringatan,
//! diperingatkan. English entries are Snowball (Porter2) stems: "threaten"
//! covers threaten, threatened, threatening.
//!
//! A cue only raises a feature; the classifier learns how much it counts, which
//! is how "pertemuan itu membahas tuntutan nelayan" can still come out
//! procedural.

/// A cue class: which label a word family points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    Demand,
    Denial,
    Warning,
    Procedural,
    /// A negator: changes what the following cue means.
    Negation,
    /// A verb of saying: marks attribution ("kata", "said").
    Attribution,
    /// An assessment, hope or expectation (`other` in LABELS.md): "sulit", "konstruktif", "optimistic".
    Assessment,
    /// Agreement, signing or cooperation reached (`other`): "sepakat", "menandatangani", "signed".
    Agreement,
    /// Praise or criticism without a claim (`other`): "mengecam", "memuji", "condemned".
    Stance,
    /// Troop movements, fighting, arrests and casualties (`other`).
    Event,
}

impl Cue {
    /// The name its features are hashed under; part of the model format.
    pub fn name(self) -> &'static str {
        FAMILIES[self as usize].1
    }
}

/// Each cue class with its feature name and stems, in the order of [`Cue`]:
/// the one table to edit when a family changes.
const FAMILIES: [(Cue, &str, &[&str]); 10] = [
    (Cue::Demand, "demand", DEMAND),
    (Cue::Denial, "denial", DENIAL),
    (Cue::Warning, "warning", WARNING),
    (Cue::Procedural, "procedural", PROCEDURAL),
    (Cue::Negation, "neg", NEGATION),
    (Cue::Attribution, "attrib", ATTRIBUTION),
    (Cue::Assessment, "assess", ASSESSMENT),
    (Cue::Agreement, "agree", AGREEMENT),
    (Cue::Stance, "stance", STANCE),
    (Cue::Event, "event", EVENT),
];

const DEMAND: &[&str] = &[
    // Indonesian stems (sastrawi)
    "tuntut", "desak", "minta", "pinta", "seru", "syarat", "harus", "wajib", "imbau", "jamin",
    "perintah", "ultimatum", "mohon", "tagih", "ingin", "hendak", "mesti", "perlu", "dorong",
    // English stems (Porter2)
    "demand", "urg", "call", "insist", "requir", "ask", "must", "press", "appeal", "guarante",
    "should", "request", "condit", "prerequisit", "want", "need", "order",
];

const DENIAL: &[&str] = &[
    "bantah", "sangkal", "tepis", "tolak", "bohong", "fitnah", "hoaks", "keliru", "benar", "niat",
    "sanggah", "ingkar", "abai", "mustahil",
    "deni", "deny", "reject", "refus", "dismiss", "rebuff", "rule", "groundless", "baseless",
    "fals", "untru", "unfound", "fabric", "intent", "declin", "nonstart", "spurn",
];

const WARNING: &[&str] = &[
    "ingat", "ancam", "konsekuensi", "sanksi", "risiko", "bahaya", "balas", "hadap", "akibat",
    "perang", "serang", "garis", "tanggung", "sesal", "hukum", "eskalasi",
    "warn", "threaten", "threat", "caution", "consequ", "sanction", "retali", "price", "risk",
    "danger", "respons", "escal", "punish", "regret", "line", "repercuss",
];

const PROCEDURAL: &[&str] = &[
    "jadwal", "runding", "temu", "tatap", "kunjung", "delegasi", "putar", "agenda", "bahas",
    "dialog", "lanjut", "gelar", "konferensi", "ktt", "sidang", "rapat", "negosiasi", "utus",
    "tunda", "mediasi", "bicara", "telepon", "hadir", "tuan", "tiba",
    "schedul", "meet", "talk", "round", "held", "hold", "conven", "agenda", "deleg", "visit",
    "summit", "negoti", "host", "postpon", "resum", "mediat", "envoy", "session", "phone", "call",
    "discuss", "attend", "arriv",
];

const NEGATION: &[&str] = &[
    "tidak", "tak", "bukan", "belum", "tanpa", "enggan", "jangan", "tiada",
    "not", "no", "never", "without", "nor", "n't", "cannot",
];

const ATTRIBUTION: &[&str] = &[
    "kata", "ujar", "tutur", "ungkap", "jelas", "tegas", "tambah", "sebut", "nyata", "sampai",
    "said", "say", "told", "tell", "ad", "accord", "state", "announc",
];

const ASSESSMENT: &[&str] = &[
    "sulit", "alot", "buntu", "konstruktif", "produktif", "positif", "negatif", "optimis", "optimistis",
    "pesimis", "pesimistis", "harap", "yakin", "percaya", "terbuka", "jujur", "tegang", "hangat", "kemajuan",
    "maju", "lancar", "gagal", "berhasil", "hasil", "prediksi", "perkira", "kira", "duga", "nilai",
    "difficult", "tough", "construct", "product", "frank", "candid", "posit", "negat", "optimist",
    "optimism", "pessimist", "pessim", "hope", "hopeful", "expect", "believ", "progress", "deadlock",
    "stall", "fail", "breakthrough", "cordial", "tens", "predict", "analyst", "assess", "like", "unlik",
];

const AGREEMENT: &[&str] = &[
    "sepakat", "setuju", "tandatangan", "tanda", "teken", "ratifikasi", "perjanjian",
    // forms Sastrawi leaves unstemmed
    "menandatangani", "ditandatangani", "penandatanganan", "menyetujui", "disetujui", "persetujuan",
    "kerja", "sama", "dukung", "bantu", "kirim", "hibah", "pinjam", "lepas", "cabut",
    "agre", "agreement", "sign", "ratifi", "accord", "deal", "cooper", "support", "aid", "assist",
    "donat", "loan", "releas", "lift", "eas", "welcom",
];

const STANCE: &[&str] = &[
    "kecam", "kritik", "puji", "apresiasi", "sesal", "kutuk", "sayang", "tuduh", "sesalkan",
    // Sastrawi cuts "mengecam" to "cam", so the surface form is listed too
    "mengecam",
    "condemn", "critic", "criticis", "criticiz", "prais", "deplor", "accus", "blame", "applaud", "hail",
    "slam", "denounc",
];

const EVENT: &[&str] = &[
    "pasukan", "tentara", "prajurit", "kerah", "latih", "tembak", "tewas", "luka", "bom", "tangkap",
    "tahan", "sita", "bentrok", "korban", "gempur", "patroli", "evakuasi", "ungsi",
    "troop", "soldier", "deploy", "exercis", "drill", "kill", "wound", "shell", "bomb", "arrest",
    "detain", "seiz", "clash", "casualti", "dead", "fight", "patrol", "evacu", "refuge", "airstrik",
];

/// A set of cue classes, one bit per [`Cue`] (a stem may point to two labels, e.g. "call").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cues(u16);

impl Cues {
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn contains(self, cue: Cue) -> bool {
        self.0 & (1 << cue as u8) != 0
    }
    pub fn iter(self) -> impl Iterator<Item = Cue> {
        FAMILIES.into_iter().map(|(cue, ..)| cue).filter(move |&c| self.contains(c))
    }
}

/// The cue classes of a stem; a hash lookup, built once.
pub fn lookup(stem: &str) -> Cues {
    static TABLE: std::sync::OnceLock<rustc_hash::FxHashMap<&'static str, Cues>> =
        std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = rustc_hash::FxHashMap::default();
        for (cue, _, words) in FAMILIES {
            for word in words {
                table.entry(*word).or_insert(Cues(0)).0 |= 1 << cue as u8;
            }
        }
        table
    });
    table.get(stem).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_in_enum_order() {
        for (i, (cue, ..)) in FAMILIES.iter().enumerate() {
            assert_eq!(*cue as usize, i, "{cue:?}");
        }
    }

    #[test]
    fn stems_map_to_their_labels() {
        assert_eq!(lookup("tuntut").iter().collect::<Vec<_>>(), [Cue::Demand]);
        assert_eq!(lookup("bantah").iter().collect::<Vec<_>>(), [Cue::Denial]);
        assert_eq!(lookup("ancam").iter().collect::<Vec<_>>(), [Cue::Warning]);
        assert_eq!(lookup("runding").iter().collect::<Vec<_>>(), [Cue::Procedural]);
        assert_eq!(lookup("call").iter().collect::<Vec<_>>(), [Cue::Demand, Cue::Procedural]);
        assert!(lookup("makan").is_empty());
        assert_eq!(lookup("kecam").iter().collect::<Vec<_>>(), [Cue::Stance]);
        assert_eq!(lookup("sepakat").iter().collect::<Vec<_>>(), [Cue::Agreement]);
        assert_eq!(lookup("optimist").iter().collect::<Vec<_>>(), [Cue::Assessment]);
        assert_eq!(lookup("troop").iter().collect::<Vec<_>>(), [Cue::Event]);
    }
}
