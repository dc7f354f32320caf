//! The words behind the shape rules, one lexicon per locale the widget speaks (Japanese, written
//! without spaces, has its own in `shape`), and the two messages those rules give in each.
//!
//! A pattern ending in `*` matches any word it starts; other patterns match whole words. Phrases
//! are sequences of patterns over consecutive words.

pub type Phrase = &'static [&'static str];

pub struct Lexicon {
    pub tag: &'static str,
    /// Words that introduce a time or duration ("in", "by", "within", "at").
    pub preps: &'static [&'static str],
    /// Words that may stand between a preposition and its time ("about", "the next", "de las").
    pub fillers: &'static [&'static str],
    pub units: &'static [&'static str],
    pub numbers: &'static [&'static str],
    /// Times named in words ("noon", "tonight", "end of day" starts at "end").
    pub time_words: &'static [&'static str],
    /// Words that may follow a time and belong to it ("UTC", "pm", "Uhr").
    pub after_time: &'static [&'static str],
    /// Being fixed, resolved, restored, back, over, working again.
    pub fix: &'static [Phrase],
    /// Telling people more: an update, more information, checking back.
    pub update: &'static [Phrase],
    /// Anything else a time may belong to: a past event, an impact, another action.
    pub other: &'static [Phrase],
    /// The future and the hedges ("will", "should", "expect").
    pub frame: &'static [&'static str],
    /// Word endings that make a verb future ("-rons", "-remos").
    pub frame_endings: &'static [&'static str],
    /// "to" before an infinitive that carries the fix ("working to restore").
    pub to: &'static [&'static str],
    /// The verbs after `to` that make it a plan ("to restore", "to have it fixed"), not a place
    /// ("back to normal").
    pub to_verbs: &'static [&'static str],
    /// Words that announce an estimate directly followed by a time ("ETA", "estimated").
    pub eta: &'static [&'static str],
    pub negations: &'static [&'static str],
    /// Words that start a new clause ("but").
    pub buts: &'static [&'static str],
    /// Prefixes joined to a word (Arabic "و", "ب", "ال", "س").
    pub prefixes: &'static [&'static str],
    pub promise_message: &'static str,
    pub next_message: &'static str,
}

/// Whether `word` matches `pattern` (a trailing `*` matches any ending).
pub fn matches(pattern: &str, word: &str) -> bool {
    // Most words differ from most patterns in their first byte: a cheap no before comparing.
    if pattern.as_bytes().first() != word.as_bytes().first() {
        return false;
    }
    match pattern.strip_suffix('*') {
        Some(stem) => word.starts_with(stem),
        None => word == pattern,
    }
}

impl Lexicon {
    /// Whether `word`, or `word` without one of the locale's joined prefixes, matches `patterns`.
    pub fn hit(&self, patterns: &[&str], word: &str) -> bool {
        patterns.iter().any(|p| matches(p, word))
            || self.prefixes.iter().any(|pre| {
                word.strip_prefix(pre).is_some_and(|rest| {
                    rest.chars().count() >= 2 && patterns.iter().any(|p| matches(p, rest))
                })
            })
    }

    pub fn is_frame(&self, word: &str) -> bool {
        self.hit(self.frame, word)
            || self
                .frame_endings
                .iter()
                .any(|e| word.len() > e.len() + 1 && word.ends_with(e))
    }
}

pub const EN: Lexicon = Lexicon {
    tag: "en",
    preps: &["in", "by", "within", "at", "before", "every", "than", "around", "from"],
    fillers: &[
        "about", "around", "approximately", "approx", "roughly", "the", "next", "a", "an", "another",
        "under", "less", "than", "up", "to", "some", "~", "half", "of", "few", "couple", "coming",
        "or", "so", "just", "over", "no", "later", "latest", "at", "most", "shortly", ",",
    ],
    units: &[
        "minute*", "min", "mins", "m", "hour*", "hr", "hrs", "h", "second*", "sec", "secs", "day", "days",
    ],
    numbers: &[
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "fifteen", "twenty", "thirty", "forty", "forty-five", "fifty", "sixty", "ninety", "few", "couple",
        "several",
    ],
    time_words: &["noon", "midday", "midnight", "tonight", "tomorrow", "eod", "end", "close", "today"],
    after_time: &[
        "utc", "gmt", "cet", "cest", "est", "edt", "pst", "pdt", "bst", "et", "pt", "am", "pm", "today",
        "tomorrow", "tonight", "morning", "afternoon", "evening", "of", "day", "business",
    ],
    fix: &[
        &["fix*"],
        &["resolv*"],
        &["resolution"],
        &["restor*"],
        &["recover*"],
        &["repair*"],
        &["mitigat*"],
        &["resum*"],
        &["sorted"],
        &["clear"],
        &["operational"],
        &["online"],
        &["normal"],
        &["working", "again"],
        &["working", "normally"],
        &["work", "again"],
        &["running", "again"],
        &["available", "again"],
        &["functioning", "again"],
        &["up", "and", "running"],
        &["be", "back"],
        &["back"],
        &["be", "over"],
        &["is", "over"],
    ],
    update: &[
        &["updat*"],
        &["information"],
        &["info"],
        &["details"],
        &["news"],
        &["progress"],
        &["know"],
        &["hear"],
        &["share"],
        &["post"],
        &["report"],
        &["inform*"],
        &["communicat*"],
        &["follow", "up"],
        &["check", "back"],
        &["check", "in"],
        &["check", "this", "page"],
        &["come", "back"],
        &["report", "back"],
        &["get", "back"],
        &["back", "with"],
        &["check-in"],
    ],
    other: &[
        &["began"],
        &["begin*"],
        &["start*"],
        &["occur*"],
        &["happen*"],
        &["detect*"],
        &["notic*"],
        &["identif*"],
        &["last*"],
        &["since"],
        &["was"],
        &["were"],
        &["delay*"],
        &["slow*"],
        &["took"],
        &["take*"],
        &["taking"],
        &["wait*"],
        &["unavailable"],
        &["down"],
        &["affect*"],
        &["latency"],
        &["ago"],
        &["degrad*"],
        &["error*"],
        &["fail*"],
        &["late"],
        &["learn"],
        &["monitor*"],
        &["investigat*"],
        &["roll", "back"],
        &["rolling", "back"],
        &["rolled", "back"],
        &["fall", "back"],
        &["migrat*"],
        &["maintenance"],
    ],
    frame: &[
        "will", "shall", "should", "may", "might", "could", "expect*", "anticipat*", "estimat*", "hope*",
        "hoping", "aim*", "target*", "plan*", "going", "gonna", "track", "likely", "due", "eta",
        "projected", "intend*", "confident",
    ],
    frame_endings: &["'ll"],
    to: &["to"],
    to_verbs: &[
        "fix", "resolve", "restore", "recover", "repair", "mitigate", "resume", "have", "be", "get", "bring",
    ],
    eta: &["eta", "estimated", "estimate"],
    negations: &["no", "not", "without", "don't", "n't", "unknown", "tbd", "yet"],
    buts: &["but", "however", "although"],
    prefixes: &[],
    promise_message: "this promises when it will be fixed; promise the next update instead (\"Next update by 14:30 UTC\")",
    next_message: "say when the next update will come (\"Next update by 14:30 UTC\")",
};

pub const DE: Lexicon = Lexicon {
    tag: "de",
    preps: &["in", "innerhalb", "bis", "um", "gegen", "binnen", "ab", "alle", "spätestens"],
    fillers: &[
        "etwa", "ca", "circa", "zirka", "ungefähr", "rund", "der", "die", "den", "nächsten", "nächste",
        "einer", "eine", "halben", "halbe", "zu", "bis", "spätestens", "wenigen", "paar", "kürze", "von",
        "heute", "morgen",
    ],
    units: &["minute*", "min", "stunde*", "std", "h", "sekunde*", "sek", "tag", "tage", "tagen"],
    numbers: &["einer", "eine", "zwei", "drei", "fünf", "zehn", "fünfzehn", "zwanzig", "dreißig", "wenigen"],
    time_words: &["mittag", "mitternacht", "heute", "morgen", "abend", "feierabend"],
    after_time: &["uhr", "utc", "mez", "mesz", "cet", "cest", "heute", "morgen"],
    fix: &[
        &["beheb*"],
        &["behob*"],
        &["wiederhergest*"],
        &["wiederherstell*"],
        &["gelöst"],
        &["lösen"],
        &["repar*"],
        &["wieder", "verfügbar"],
        &["wieder", "erreichbar"],
        &["wieder", "online"],
        &["wieder", "normal"],
        &["wieder", "funktionier*"],
        &["wieder", "funktionsfähig"],
        &["normalisier*"],
    ],
    update: &[
        &["update*"],
        &["informier*"],
        &["meld*"],
        &["informationen"],
        &["stand"],
        &["aktualisier*"],
        &["bericht*"],
        &["neuigkeiten"],
    ],
    other: &[
        &["begann"],
        &["begonnen"],
        &["trat*"],
        &["war"],
        &["waren"],
        &["wurde"],
        &["wurden"],
        &["verzöger*"],
        &["dauerte"],
        &["seit"],
        &["aufgetreten"],
        &["ausgefallen"],
    ],
    frame: &[
        "werd*", "wird", "sollte*", "soll", "voraussichtlich", "erwart*", "rechnen", "geplant", "planen",
        "hoff*", "dürfte*", "eta", "geschätzt*", "davon",
    ],
    frame_endings: &[],
    to: &[],
    to_verbs: &[],
    eta: &["eta", "geschätzte"],
    negations: &["kein", "keine", "keinen", "nicht", "unbekannt", "noch"],
    buts: &["aber", "jedoch"],
    prefixes: &[],
    promise_message: "verspricht einen Zeitpunkt der Behebung; versprechen Sie stattdessen das nächste Update („Nächstes Update um 14:30 Uhr“)",
    next_message: "sagen Sie, wann das nächste Update kommt („Nächstes Update um 14:30 Uhr“)",
};

pub const FR: Lexicon = Lexicon {
    tag: "fr",
    preps: &["dans", "d'ici", "vers", "à", "avant", "sous", "en", "toutes"],
    fillers: &[
        "environ", "une", "un", "la", "le", "les", "prochaine", "prochaines", "prochain", "prochains",
        "quelques", "moins", "de", "d'une", "demi", "plus", "tard", "au", "heure", "l'heure", "ici",
    ],
    units: &["minute*", "min", "heure*", "l'heure", "h", "seconde*", "jour*"],
    numbers: &["une", "deux", "trois", "cinq", "dix", "quinze", "vingt", "trente", "quelques"],
    time_words: &["midi", "minuit", "demain", "ce", "soir", "aujourd'hui"],
    after_time: &["utc", "cet", "cest", "heure", "heures", "aujourd'hui", "demain"],
    fix: &[
        &["corrig*"],
        &["rétabli*"],
        &["résol*"],
        &["résolution"],
        &["répar*"],
        &["correctif"],
        &["de", "nouveau", "disponible"],
        &["de", "nouveau", "accessible"],
        &["fonctionn*", "normalement"],
        &["remis", "en", "service"],
    ],
    update: &[
        &["mise", "à", "jour"],
        &["point"],
        &["inform*"],
        &["nouvelles"],
        &["tiendr*"],
        &["communiqu*"],
        &["reviendrons"],
    ],
    other: &[
        &["commencé"],
        &["débuté"],
        &["été"],
        &["était"],
        &["retard*"],
        &["survenu*"],
        &["depuis"],
        &["pendant"],
    ],
    frame: &[
        "sera", "seront", "devr*", "prévo*", "prévu*", "estim*", "allons", "vont", "va", "espér*",
        "comptons", "pensons", "eta",
    ],
    frame_endings: &["rons", "ront", "rez"],
    to: &[],
    to_verbs: &[],
    eta: &["eta", "estimé", "estimée"],
    negations: &["pas", "aucun", "aucune", "sans", "inconnu", "inconnue"],
    buts: &["mais", "cependant"],
    prefixes: &[],
    promise_message: "promet une heure de résolution ; promettez plutôt la prochaine mise à jour (« Prochaine mise à jour à 14h30 »)",
    next_message: "indiquez quand viendra la prochaine mise à jour (« Prochaine mise à jour à 14h30 »)",
};

pub const ES: Lexicon = Lexicon {
    tag: "es",
    preps: &["en", "dentro", "antes", "a", "para", "hacia", "sobre", "cada"],
    fillers: &[
        "de", "las", "la", "unos", "unas", "aproximadamente", "aprox", "próxima", "próximos", "próximas",
        "una", "un", "media", "cerca", "menos", "pocos", "del", "más", "tardar",
    ],
    units: &["minuto*", "min", "hora*", "h", "día*", "segundo*"],
    numbers: &["una", "un", "dos", "tres", "cinco", "diez", "quince", "veinte", "treinta", "pocos", "media"],
    time_words: &["mediodía", "medianoche", "mañana", "hoy", "noche"],
    after_time: &["utc", "cet", "h", "horas", "hoy", "mañana"],
    fix: &[
        &["soluciona*"],
        &["solución"],
        &["resuel*"],
        &["resolv*"],
        &["restablec*"],
        &["restableci*"],
        &["arregl*"],
        &["repar*"],
        &["funcionar"],
        &["operativo"],
        &["normalidad"],
    ],
    update: &[
        &["actualizaci*"],
        &["información"],
        &["informar*"],
        &["noticias"],
        &["comunicar*"],
    ],
    other: &[
        &["comenzó"],
        &["empezó"],
        &["estuvo"],
        &["fue"],
        &["ocurrió"],
        &["retras*"],
        &["desde"],
        &["durante"],
    ],
    frame: &[
        "debería*", "esperamos", "espera*", "prevé*", "previsto", "prevista", "estima*", "vamos", "va",
        "eta", "quedará",
    ],
    frame_endings: &["rá", "remos", "rán"],
    to: &[],
    to_verbs: &[],
    eta: &["eta", "estimado", "estimada"],
    negations: &["no", "sin", "ningún", "ninguna", "desconocido"],
    buts: &["pero", "sin embargo"],
    prefixes: &[],
    promise_message: "promete una hora de solución; prometa en su lugar la próxima actualización («Próxima actualización a las 14:30»)",
    next_message: "indique cuándo llegará la próxima actualización («Próxima actualización a las 14:30»)",
};

pub const PT: Lexicon = Lexicon {
    tag: "pt",
    preps: &["em", "até", "às", "dentro", "daqui", "por", "antes", "cada"],
    fillers: &[
        "de", "cerca", "das", "a", "às", "as", "uma", "um", "meia", "próxima", "próximos", "próximas",
        "aproximadamente", "volta", "da", "menos", "poucos",
    ],
    units: &["minuto*", "min", "hora*", "h", "dia*", "segundo*"],
    numbers: &["uma", "um", "dois", "duas", "três", "cinco", "dez", "quinze", "vinte", "trinta", "poucos"],
    time_words: &["meio-dia", "meia-noite", "amanhã", "hoje", "noite"],
    after_time: &["utc", "h", "horas", "hoje", "amanhã"],
    fix: &[
        &["corrig*"],
        &["restabelec*"],
        &["resol*"],
        &["soluç*"],
        &["repar*"],
        &["funcionar"],
        &["normaliz*"],
        &["operacional"],
    ],
    update: &[&["atualiza*"], &["informa*"], &["notícias"], &["comunicar*"]],
    other: &[
        &["começou"],
        &["iniciou"],
        &["ficou"],
        &["foi"],
        &["ocorreu"],
        &["atras*"],
        &["desde"],
        &["durante"],
    ],
    frame: &[
        "deverá*", "deve", "devem", "esperamos", "espera*", "prev*", "estimad*",
        "vamos", "vai", "eta",
    ],
    frame_endings: &["rá", "remos", "rão"],
    to: &[],
    to_verbs: &[],
    eta: &["eta", "previsão", "estimado", "estimada"],
    negations: &["não", "sem", "nenhuma", "nenhum", "desconhecido"],
    buts: &["mas", "porém"],
    prefixes: &[],
    promise_message: "promete uma hora de resolução; prometa antes a próxima atualização («Próxima atualização às 14:30»)",
    next_message: "diga quando virá a próxima atualização («Próxima atualização às 14:30»)",
};

pub const AR: Lexicon = Lexicon {
    tag: "ar",
    preps: &["خلال", "بحلول", "غضون", "الساعة", "قبل", "حوالي", "في", "كل"],
    fillers: &[
        "غضون",
        "الساعة",
        "حوالي",
        "تقريبا",
        "في",
        "القادمة",
        "ال",
        "نحو",
    ],
    units: &[
        "دقيقة",
        "دقائق",
        "ساعة",
        "ساعات",
        "ساعتين",
        "يوم",
        "أيام",
        "ثانية",
        "ثوان",
    ],
    numbers: &["ساعة", "نصف", "بضع"],
    time_words: &["الظهر", "منتصف", "الليلة", "غدا"],
    after_time: &["تقريبا", "بتوقيت", "غرينتش"],
    fix: &[
        &["إصلاح"],
        &["استعادة"],
        &["حل"],
        &["تعود"],
        &["يعود"],
        &["عودة"],
        &["معالجة"],
        &["عمل"],
        &["استئناف"],
        &["إعادة"],
    ],
    update: &[
        &["تحديث*"],
        &["معلومات"],
        &["مزيد"],
        &["نوافيكم"],
        &["مستجدات"],
        &["نبلغكم"],
        &["نعلمكم"],
        &["إبلاغ*"],
    ],
    other: &[
        &["بدأت"],
        &["بدأ"],
        &["كانت"],
        &["كان"],
        &["تمت"],
        &["تم"],
        &["حدث*"],
        &["توقف*"],
        &["تأخر*"],
    ],
    frame: &[
        "سن*",
        "سي*",
        "ست*",
        "سأ*",
        "متوقع",
        "المتوقع",
        "نتوقع",
        "يتوقع",
        "نتوقع",
        "نأمل",
        "المقرر",
        "نخطط",
    ],
    frame_endings: &[],
    to: &[],
    to_verbs: &[],
    eta: &[],
    negations: &["لا", "ليس", "غير", "دون"],
    buts: &["لكن", "ولكن"],
    prefixes: &["وال", "بال", "لل", "ال", "و", "ب", "ل", "ف", "س"],
    promise_message:
        "هذا يعد بموعد للإصلاح؛ عِد بدلا من ذلك بموعد التحديث التالي («التحديث التالي الساعة 14:30»)",
    next_message: "اذكر موعد التحديث التالي («التحديث التالي الساعة 14:30»)",
};

pub const JA_PROMISE_MESSAGE: &str =
    "復旧の時刻を約束しています。代わりに次回の更新時刻を約束してください（「次回の更新は14:30です」）";
pub const JA_NEXT_MESSAGE: &str = "次回の更新時刻を書いてください（「次回の更新は14:30です」）";

/// The lexicon for a BCP 47 tag's primary language; English when it is none of the seven.
pub fn for_tag(tag: &str) -> Option<&'static Lexicon> {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    [&EN, &DE, &FR, &ES, &PT, &AR]
        .into_iter()
        .find(|l| l.tag == primary)
}
