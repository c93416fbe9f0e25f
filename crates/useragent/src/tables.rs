//! The detection tables of ua-parser-js 0.7.25 as data, restricted to what the destination
//! reads: browser name and version, OS name, and device vendor, model and type.
//!
//! Each rule is a list of patterns tried in order and the properties a match assigns. The
//! `n`-th property takes the `n`-th capture group even when it ignores it, because that is how
//! the reference walks groups; several rules below depend on that off-by-position pairing.
//! Rules are tried in order and the first pattern that matches anywhere wins.

/// The property a rule writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Name,
    Version,
    Vendor,
    Model,
    Type,
    /// A property the five output fields never read (the OS version): its group is skipped.
    Unused,
}

/// How a captured group is rewritten before it is stored.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Transform {
    UnderscoresToSpaces,
    DotsToSpaces,
    Prefix(&'static str),
    Suffix(&'static str),
    /// Safari before 3.0 reported a WebKit build; the reference maps it to a version.
    OldSafariVersion,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Prop {
    /// The group's text; an empty or missing group leaves the property absent.
    Capture(Field),
    /// A constant, whatever the group holds.
    Fixed(Field, &'static str),
    /// The group rewritten; an empty or missing group leaves the property absent.
    Mapped(Field, Transform),
    /// The group with JavaScript white space trimmed; an empty group stays an empty string.
    Trimmed(Field),
}

pub(crate) struct Rule {
    pub(crate) patterns: &'static [&'static str],
    pub(crate) props: &'static [Prop],
}

use Field::{Model, Name, Type, Unused, Vendor, Version};
use Prop::{Capture, Fixed, Mapped, Trimmed};
use Transform::{DotsToSpaces, OldSafariVersion, Prefix, Suffix, UnderscoresToSpaces};

const fn rule(patterns: &'static [&'static str], props: &'static [Prop]) -> Rule {
    Rule { patterns, props }
}

const NAME_VERSION: &[Prop] = &[Capture(Name), Capture(Version)];
const MOBILE: Prop = Fixed(Type, "mobile");
const TABLET: Prop = Fixed(Type, "tablet");
const SMARTTV: Prop = Fixed(Type, "smarttv");
const CONSOLE: Prop = Fixed(Type, "console");
const WEARABLE: Prop = Fixed(Type, "wearable");
const EMBEDDED: Prop = Fixed(Type, "embedded");

pub(crate) const BROWSER: &[Rule] = &[
    rule(
        &[r"\b(?:crmo|crios)\/([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "Chrome")],
    ),
    rule(
        &[r"edg(?:e|ios|a)?\/([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "Edge")],
    ),
    rule(
        &[
            r"(opera mini)\/([-\w\.]+)",
            r"(opera [mobiletab]{3,6})\b.+version\/([-\w\.]+)",
            r"(opera)(?:.+version\/|[\/ ]+)([\w\.]+)",
        ],
        NAME_VERSION,
    ),
    rule(
        &[r"opios[\/ ]+([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "Opera Mini")],
    ),
    rule(
        &[r"\bopr\/([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "Opera")],
    ),
    rule(
        &[
            r"(kindle)\/([\w\.]+)",
            r"(lunascape|maxthon|netfront|jasmine|blazer)[\/ ]?([\w\.]*)",
            r"(avant |iemobile|slim)(?:browser)?[\/ ]?([\w\.]*)",
            r"(ba?idubrowser)[\/ ]?([\w\.]+)",
            r"(?:ms|\()(ie) ([\w\.]+)",
            r"(flock|rockmelt|midori|epiphany|silk|skyfire|ovibrowser|bolt|iron|vivaldi|iridium|phantomjs|bowser|quark|qupzilla|falkon|rekonq|puffin|brave|whale|qqbrowserlite|qq)\/([-\w\.]+)",
            r"(weibo)__([\d\.]+)",
        ],
        NAME_VERSION,
    ),
    rule(
        &[r"(?:\buc? ?browser|(?:juc.+)ucweb)[\/ ]?([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "UCBrowser")],
    ),
    rule(
        &[r"\bqbcore\/([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "WeChat(Win) Desktop")],
    ),
    rule(
        &[r"micromessenger\/([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "WeChat")],
    ),
    rule(
        &[r"konqueror\/([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "Konqueror")],
    ),
    rule(
        &[r"trident.+rv[: ]([\w\.]{1,9})\b.+like gecko"],
        &[Capture(Version), Fixed(Name, "IE")],
    ),
    rule(
        &[r"yabrowser\/([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "Yandex")],
    ),
    rule(
        &[r"(avast|avg)\/([\w\.]+)"],
        &[Mapped(Name, Suffix(" Secure Browser")), Capture(Version)],
    ),
    rule(
        &[r"\bfocus\/([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "Firefox Focus")],
    ),
    rule(
        &[r"\bopt\/([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "Opera Touch")],
    ),
    rule(
        &[r"coc_coc\w+\/([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "Coc Coc")],
    ),
    rule(
        &[r"dolfin\/([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "Dolphin")],
    ),
    rule(
        &[r"coast\/([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "Opera Coast")],
    ),
    rule(
        &[r"miuibrowser\/([\w\.]+)"],
        &[Capture(Version), Fixed(Name, "MIUI Browser")],
    ),
    rule(
        &[r"fxios\/([-\w\.]+)"],
        &[Capture(Version), Fixed(Name, "Firefox")],
    ),
    rule(
        &[r"\bqihu|(qi?ho?o?|360)browser"],
        &[Fixed(Name, "360 Browser")],
    ),
    rule(
        &[r"(oculus|samsung|sailfish)browser\/([\w\.]+)"],
        &[Mapped(Name, Suffix(" Browser")), Capture(Version)],
    ),
    rule(
        &[r"(comodo_dragon)\/([\w\.]+)"],
        &[Mapped(Name, UnderscoresToSpaces), Capture(Version)],
    ),
    rule(
        &[
            r"(electron)\/([\w\.]+) safari",
            r"(tesla)(?: qtcarbrowser|\/(20\d\d\.[-\w\.]+))",
            r"m?(qqbrowser|baiduboxapp|2345Explorer)[\/ ]?([\w\.]+)",
        ],
        NAME_VERSION,
    ),
    rule(
        &[r"(metasr)[\/ ]?([\w\.]+)", r"(lbbrowser)"],
        &[Capture(Name)],
    ),
    rule(
        &[r"((?:fban\/fbios|fb_iab\/fb4a)(?!.+fbav)|;fbav\/([\w\.]+);)"],
        &[Fixed(Name, "Facebook"), Capture(Version)],
    ),
    rule(
        &[
            r"safari (line)\/([\w\.]+)",
            r"\b(line)\/([\w\.]+)\/iab",
            r"(chromium|instagram)[\/ ]([-\w\.]+)",
        ],
        NAME_VERSION,
    ),
    rule(
        &[r"\bgsa\/([\w\.]+) .*safari\/"],
        &[Capture(Version), Fixed(Name, "GSA")],
    ),
    rule(
        &[r"headlesschrome(?:\/([\w\.]+)| )"],
        &[Capture(Version), Fixed(Name, "Chrome Headless")],
    ),
    rule(
        &[r" wv\).+(chrome)\/([\w\.]+)"],
        &[Fixed(Name, "Chrome WebView"), Capture(Version)],
    ),
    rule(
        &[r"droid.+ version\/([\w\.]+)\b.+(?:mobile safari|safari)"],
        &[Capture(Version), Fixed(Name, "Android Browser")],
    ),
    rule(
        &[r"(chrome|omniweb|arora|[tizenoka]{5} ?browser)\/v?([\w\.]+)"],
        NAME_VERSION,
    ),
    rule(
        &[r"version\/([\w\.]+) .*mobile\/\w+ (safari)"],
        &[Capture(Version), Fixed(Name, "Mobile Safari")],
    ),
    rule(
        &[r"version\/([\w\.]+) .*(mobile ?safari|safari)"],
        &[Capture(Version), Capture(Name)],
    ),
    rule(
        &[r"webkit.+?(mobile ?safari|safari)(\/[\w\.]+)"],
        &[Capture(Name), Mapped(Version, OldSafariVersion)],
    ),
    rule(&[r"(webkit|khtml)\/([\w\.]+)"], NAME_VERSION),
    rule(
        &[r"(navigator|netscape\d?)\/([-\w\.]+)"],
        &[Fixed(Name, "Netscape"), Capture(Version)],
    ),
    rule(
        &[r"mobile vr; rv:([\w\.]+)\).+firefox"],
        &[Capture(Version), Fixed(Name, "Firefox Reality")],
    ),
    rule(
        &[
            r"ekiohf.+(flow)\/([\w\.]+)",
            r"(swiftfox)",
            r"(icedragon|iceweasel|camino|chimera|fennec|maemo browser|minimo|conkeror|klar)[\/ ]?([\w\.\+]+)",
            r"(seamonkey|k-meleon|icecat|iceape|firebird|phoenix|palemoon|basilisk|waterfox)\/([-\w\.]+)$",
            r"(firefox)\/([\w\.]+)",
            r"(mozilla)\/([\w\.]+) .+rv\:.+gecko\/\d+",
            r"(polaris|lynx|dillo|icab|doris|amaya|w3m|netsurf|sleipnir|obigo|mosaic|(?:go|ice|up)[\. ]?browser)[-\/ ]?v?([\w\.]+)",
            r"(links) \(([\w\.]+)",
        ],
        NAME_VERSION,
    ),
];

const OS_NAME_ONLY: &[Prop] = &[Capture(Name), Capture(Unused)];

pub(crate) const OS: &[Rule] = &[
    rule(&[r"microsoft (windows) (vista|xp)"], OS_NAME_ONLY),
    rule(
        &[
            r"(windows) nt 6\.2; (arm)",
            r"(windows (?:phone(?: os)?|mobile))[\/ ]?([\d\.\w ]*)",
            r"(windows)[\/ ]?([ntce\d\. ]+\w)(?!.+xbox)",
        ],
        OS_NAME_ONLY,
    ),
    rule(
        &[r"(win(?=3|9|n)|win 9x )([nt\d\.]+)"],
        &[Fixed(Name, "Windows"), Capture(Unused)],
    ),
    rule(
        &[
            r"ip[honead]{2,4}\b(?:.*os ([\w]+) like mac|; opera)",
            r"cfnetwork\/.+darwin",
        ],
        &[Capture(Unused), Fixed(Name, "iOS")],
    ),
    rule(
        &[
            r"(mac os x) ?([\w\. ]*)",
            r"(macintosh|mac_powerpc\b)(?!.+haiku)",
        ],
        &[Fixed(Name, "Mac OS"), Capture(Unused)],
    ),
    rule(
        &[r"droid ([\w\.]+)\b.+(android[- ]x86)"],
        &[Capture(Unused), Capture(Name)],
    ),
    rule(
        &[
            r"(android|webos|qnx|bada|rim tablet os|maemo|meego|sailfish)[-\/ ]?([\w\.]*)",
            r"(blackberry)\w*\/([\w\.]*)",
            r"(tizen|kaios)[\/ ]([\w\.]+)",
            r"\((series40);",
        ],
        OS_NAME_ONLY,
    ),
    rule(
        &[r"\(bb(10);"],
        &[Capture(Unused), Fixed(Name, "BlackBerry")],
    ),
    rule(
        &[r"(?:symbian ?os|symbos|s60(?=;)|series60)[-\/ ]?([\w\.]*)"],
        &[Capture(Unused), Fixed(Name, "Symbian")],
    ),
    rule(
        &[r"mozilla\/[\d\.]+ \((?:mobile|tablet|tv|mobile; [\w ]+); rv:.+ gecko\/([\w\.]+)"],
        &[Capture(Unused), Fixed(Name, "Firefox OS")],
    ),
    rule(
        &[r"web0s;.+rt(tv)", r"\b(?:hp)?wos(?:browser)?\/([\w\.]+)"],
        &[Capture(Unused), Fixed(Name, "webOS")],
    ),
    rule(
        &[r"crkey\/([\d\.]+)"],
        &[Capture(Unused), Fixed(Name, "Chromecast")],
    ),
    rule(
        &[r"(cros) [\w]+ ([\w\.]+\w)"],
        &[Fixed(Name, "Chromium OS"), Capture(Unused)],
    ),
    rule(
        &[
            r"(nintendo|playstation) ([wids345portablevuch]+)",
            r"(xbox); +xbox ([^\);]+)",
            r"\b(joli|palm)\b ?(?:os)?\/?([\w\.]*)",
            r"(mint)[\/\(\) ]?(\w*)",
            r"(mageia|vectorlinux)[; ]",
            r"([kxln]?ubuntu|debian|suse|opensuse|gentoo|arch(?= linux)|slackware|fedora|mandriva|centos|pclinuxos|red ?hat|zenwalk|linpus|raspbian|plan 9|minix|risc os|contiki|deepin|manjaro|elementary os|sabayon|linspire)(?: gnu\/linux)?(?: enterprise)?(?:[- ]linux)?(?:-gnu)?[-\/ ]?(?!chrom|package)([-\w\.]*)",
            r"(hurd|linux) ?([\w\.]*)",
            r"(gnu) ?([\w\.]*)",
            r"\b([-frentopcghs]{0,5}bsd|dragonfly)[\/ ]?(?!amd|[ix346]{1,2}86)([\w\.]*)",
            r"(haiku) (\w+)",
        ],
        OS_NAME_ONLY,
    ),
    rule(
        &[r"(sunos) ?([\w\.\d]*)"],
        &[Fixed(Name, "Solaris"), Capture(Unused)],
    ),
    rule(
        &[
            r"((?:open)?solaris)[-\/ ]?([\w\.]*)",
            r"(aix) ((\d)(?=\.|\)| )[\w\.])*",
            r"\b(beos|os\/2|amigaos|morphos|openvms|fuchsia|hp-ux)",
            r"(unix) ?([\w\.]*)",
        ],
        OS_NAME_ONLY,
    ),
];

const fn vendor(name: &'static str) -> Prop {
    Fixed(Vendor, name)
}

const MODEL_SAMSUNG_TABLET: &[Prop] = &[Capture(Model), vendor("Samsung"), TABLET];
const MODEL_APPLE_MOBILE: &[Prop] = &[Capture(Model), vendor("Apple"), MOBILE];
const MODEL_APPLE_TABLET: &[Prop] = &[Capture(Model), vendor("Apple"), TABLET];
const VENDOR_MODEL_MOBILE: &[Prop] = &[Capture(Vendor), Capture(Model), MOBILE];
const VENDOR_MODEL_TABLET: &[Prop] = &[Capture(Vendor), Capture(Model), TABLET];

pub(crate) const DEVICE: &[Rule] = &[
    // Samsung
    rule(
        &[r"\b(sch-i[89]0\d|shw-m380s|sm-[pt]\w{2,4}|gt-[pn]\d{2,4}|sgh-t8[56]9|nexus 10)"],
        MODEL_SAMSUNG_TABLET,
    ),
    rule(
        &[
            r"\b((?:s[cgp]h|gt|sm)-\w+|galaxy nexus)",
            r"samsung[- ]([-\w]+)",
            r"sec-(sgh\w+)",
        ],
        &[Capture(Model), vendor("Samsung"), MOBILE],
    ),
    // Apple
    rule(&[r"((ipod|iphone)\d+,\d+)"], MODEL_APPLE_MOBILE),
    rule(&[r"(ipad\d+,\d+)"], MODEL_APPLE_TABLET),
    rule(&[r"\((ip(?:hone|od)[\w ]*);"], MODEL_APPLE_MOBILE),
    rule(
        &[
            r"\((ipad);[-\w\),; ]+apple",
            r"applecoremedia\/[\w\.]+ \((ipad)",
            r"\b(ipad)\d\d?,\d\d?[;\]].+ios",
        ],
        MODEL_APPLE_TABLET,
    ),
    // Huawei
    rule(
        &[r"\b((?:ag[rs][23]?|bah2?|sht?|btv)-a?[lw]\d{2})\b(?!.+d\/s)"],
        &[Capture(Model), vendor("Huawei"), TABLET],
    ),
    rule(
        &[
            r"(?:huawei|honor)([-\w ]+)[;\)]",
            r"\b(nexus 6p|\w{2,4}-[atu]?[ln][01259x][012359][an]?)\b(?!.+d\/s)",
        ],
        &[Capture(Model), vendor("Huawei"), MOBILE],
    ),
    // Xiaomi
    rule(
        &[
            r"\b(poco[\w ]+)(?: bui|\))",
            r"\b; (\w+) build\/hm\1",
            r"\b(hm[-_ ]?note?[_ ]?(?:\d\w)?) bui",
            r"\b(redmi[\-_ ]?(?:note|k)?[\w_ ]+)(?: bui|\))",
            r"\b(mi[-_ ]?(?:a\d|one|one[_ ]plus|note lte|max)?[_ ]?(?:\d?\w?)[_ ]?(?:plus|se|lite)?)(?: bui|\))",
        ],
        &[Mapped(Model, UnderscoresToSpaces), vendor("Xiaomi"), MOBILE],
    ),
    rule(
        &[r"\b(mi[-_ ]?(?:pad)(?:[\w_ ]+))(?: bui|\))"],
        &[Mapped(Model, UnderscoresToSpaces), vendor("Xiaomi"), TABLET],
    ),
    // OPPO, Vivo, Realme
    rule(
        &[
            r"; (\w+) bui.+ oppo",
            r"\b(cph[12]\d{3}|p(?:af|c[al]|d\w|e[ar])[mt]\d0|x9007)\b",
        ],
        &[Capture(Model), vendor("OPPO"), MOBILE],
    ),
    rule(
        &[r"vivo (\w+)(?: bui|\))", r"\b(v[12]\d{3}\w?[at])(?: bui|;)"],
        &[Capture(Model), vendor("Vivo"), MOBILE],
    ),
    rule(
        &[r"\b(rmx[12]\d{3})(?: bui|;|\))"],
        &[Capture(Model), vendor("Realme"), MOBILE],
    ),
    // Motorola
    rule(
        &[
            r"\b(milestone|droid(?:[2-4x]| (?:bionic|x2|pro|razr))?:?( 4g)?)\b[\w ]+build\/",
            r"\bmot(?:orola)?[- ](\w*)",
            r"((?:moto[\w\(\) ]+|xt\d{3,4}|nexus 6)(?= bui|\)))",
        ],
        &[Capture(Model), vendor("Motorola"), MOBILE],
    ),
    rule(
        &[r"\b(mz60\d|xoom[2 ]{0,2}) build\/"],
        &[Capture(Model), vendor("Motorola"), TABLET],
    ),
    // LG
    rule(
        &[r"((?=lg)?[vl]k\-?\d{3}) bui| 3\.[-\w; ]{10}lg?-([06cv9]{3,4})"],
        &[Capture(Model), vendor("LG"), TABLET],
    ),
    rule(
        &[
            r"(lm(?:-?f100[nv]?|-[\w\.]+)(?= bui|\))|nexus [45])",
            r"\blg[-e;\/ ]+((?!browser|netcast|android tv)\w+)",
            r"\blg-?([\d\w]+) bui",
        ],
        &[Capture(Model), vendor("LG"), MOBILE],
    ),
    // Lenovo
    rule(
        &[
            r"(ideatab[-\w ]+)",
            r"lenovo ?(s[56]000[-\w]+|tab(?:[\w ]+)|yt[-\d\w]{6}|tb[-\d\w]{6})",
        ],
        &[Capture(Model), vendor("Lenovo"), TABLET],
    ),
    // Nokia
    rule(
        &[
            r"(?:maemo|nokia).*(n900|lumia \d+)",
            r"nokia[-_ ]?([-\w\.]*)",
        ],
        &[Mapped(Model, UnderscoresToSpaces), vendor("Nokia"), MOBILE],
    ),
    // Google
    rule(
        &[r"(pixel c)\b"],
        &[Capture(Model), vendor("Google"), TABLET],
    ),
    rule(
        &[r"droid.+; (pixel[\daxl ]{0,6})(?: bui|\))"],
        &[Capture(Model), vendor("Google"), MOBILE],
    ),
    // Sony
    rule(
        &[r"droid.+ ([c-g]\d{4}|so[-l]\w+|xq-a\w[4-7][12])(?= bui|\).+chrome\/(?![1-6]{0,1}\d\.))"],
        &[Capture(Model), vendor("Sony"), MOBILE],
    ),
    rule(
        &[r"sony tablet [ps]", r"\b(?:sony)?sgp\w+(?: bui|\))"],
        &[Fixed(Model, "Xperia Tablet"), vendor("Sony"), TABLET],
    ),
    // OnePlus
    rule(
        &[
            r" (kb2005|in20[12]5|be20[12][59])\b",
            r"(?:one)?(?:plus)? (a\d0\d\d)(?: b|\))",
        ],
        &[Capture(Model), vendor("OnePlus"), MOBILE],
    ),
    // Amazon
    rule(
        &[
            r"(alexa)webm",
            r"(kf[a-z]{2}wi)( bui|\))",
            r"(kf[a-z]+)( bui|\)).+silk\/",
        ],
        &[Capture(Model), vendor("Amazon"), TABLET],
    ),
    rule(
        &[r"((?:sd|kf)[0349hijorstuw]+)( bui|\)).+silk\/"],
        &[
            Mapped(Model, Prefix("Fire Phone ")),
            vendor("Amazon"),
            MOBILE,
        ],
    ),
    // BlackBerry
    rule(
        &[r"(playbook);[-\w\),; ]+(rim)"],
        &[Capture(Model), Capture(Vendor), TABLET],
    ),
    rule(
        &[r"\b((?:bb[a-f]|st[hv])100-\d)", r"\(bb10; (\w+)"],
        &[Capture(Model), vendor("BlackBerry"), MOBILE],
    ),
    // Asus
    rule(
        &[r"(?:\b|asus_)(transfo[prime ]{4,10} \w+|eeepc|slider \w+|nexus 7|padfone|p00[cj])"],
        &[Capture(Model), vendor("ASUS"), TABLET],
    ),
    rule(
        &[r" (z[bes]6[027][012][km][ls]|zenfone \d\w?)\b"],
        &[Capture(Model), vendor("ASUS"), MOBILE],
    ),
    // HTC, ZTE and others named by vendor
    rule(&[r"(nexus 9)"], &[Capture(Model), vendor("HTC"), TABLET]),
    rule(
        &[
            r"(htc)[-;_ ]{1,2}([\w ]+(?=\)| bui)|\w+)",
            r"(zte)[- ]([\w ]+?)(?: bui|\/|\))",
            r"(alcatel|geeksphone|nexian|panasonic|sony)[-_ ]?([-\w]*)",
        ],
        &[Capture(Vendor), Mapped(Model, UnderscoresToSpaces), MOBILE],
    ),
    rule(
        &[r"droid.+; ([ab][1-7]-?[0178a]\d\d?)"],
        &[Capture(Model), vendor("Acer"), TABLET],
    ),
    rule(
        &[r"droid.+; (m[1-5] note) bui", r"\bmz-([-\w]{2,})"],
        &[Capture(Model), vendor("Meizu"), MOBILE],
    ),
    rule(
        &[r"\b(sh-?[altvz]?\d\d[a-ekm]?)"],
        &[Capture(Model), vendor("Sharp"), MOBILE],
    ),
    rule(
        &[
            r"(blackberry|benq|palm(?=\-)|sonyericsson|acer|asus|dell|meizu|motorola|polytron)[-_ ]?([-\w]*)",
            r"(hp) ([\w ]+\w)",
            r"(asus)-?(\w+)",
            r"(microsoft); (lumia[\w ]+)",
            r"(lenovo)[-_ ]?([-\w]+)",
            r"(jolla)",
            r"(oppo) ?([\w ]+) bui",
        ],
        VENDOR_MODEL_MOBILE,
    ),
    rule(
        &[
            r"(archos) (gamepad2?)",
            r"(hp).+(touchpad(?!.+tablet)|tablet)",
            r"(kindle)\/([\w\.]+)",
            r"(nook)[\w ]+build\/(\w+)",
            r"(dell) (strea[kpr\d ]*[\dko])",
            r"(le[- ]+pan)[- ]+(\w{1,9}) bui",
            r"(trinity)[- ]*(t\d{3}) bui",
            r"(gigaset)[- ]+(q\w{1,9}) bui",
            r"(vodafone) ([\w ]+)(?:\)| bui)",
        ],
        VENDOR_MODEL_TABLET,
    ),
    rule(
        &[r"(surface duo)"],
        &[Capture(Model), vendor("Microsoft"), TABLET],
    ),
    rule(
        &[r"droid [\d\.]+; (fp\du?)(?: b|\))"],
        &[Capture(Model), vendor("Fairphone"), MOBILE],
    ),
    rule(&[r"(u304aa)"], &[Capture(Model), vendor("AT&T"), MOBILE]),
    rule(
        &[r"\bsie-(\w*)"],
        &[Capture(Model), vendor("Siemens"), MOBILE],
    ),
    rule(&[r"\b(rct\w+) b"], &[Capture(Model), vendor("RCA"), TABLET]),
    rule(
        &[r"\b(venue[\d ]{2,7}) b"],
        &[Capture(Model), vendor("Dell"), TABLET],
    ),
    rule(
        &[r"\b(q(?:mv|ta)\w+) b"],
        &[Capture(Model), vendor("Verizon"), TABLET],
    ),
    rule(
        &[r"\b(?:barnes[& ]+noble |bn[rt])([\w\+ ]*) b"],
        &[Capture(Model), vendor("Barnes & Noble"), TABLET],
    ),
    rule(
        &[r"\b(tm\d{3}\w+) b"],
        &[Capture(Model), vendor("NuVision"), TABLET],
    ),
    rule(&[r"\b(k88) b"], &[Capture(Model), vendor("ZTE"), TABLET]),
    rule(
        &[r"\b(nx\d{3}j) b"],
        &[Capture(Model), vendor("ZTE"), MOBILE],
    ),
    rule(
        &[r"\b(gen\d{3}) b.+49h"],
        &[Capture(Model), vendor("Swiss"), MOBILE],
    ),
    rule(
        &[r"\b(zur\d{3}) b"],
        &[Capture(Model), vendor("Swiss"), TABLET],
    ),
    rule(
        &[r"\b((zeki)?tb.*\b) b"],
        &[Capture(Model), vendor("Zeki"), TABLET],
    ),
    rule(
        &[r"\b([yr]\d{2}) b", r"\b(dragon[- ]+touch |dt)(\w{5}) b"],
        &[vendor("Dragon Touch"), Capture(Model), TABLET],
    ),
    rule(
        &[r"\b(ns-?\w{0,9}) b"],
        &[Capture(Model), vendor("Insignia"), TABLET],
    ),
    rule(
        &[r"\b((nxa|next)-?\w{0,9}) b"],
        &[Capture(Model), vendor("NextBook"), TABLET],
    ),
    rule(
        &[r"\b(xtreme\_)?(v(1[045]|2[015]|[3469]0|7[05])) b"],
        &[vendor("Voice"), Capture(Model), MOBILE],
    ),
    rule(
        &[r"\b(lvtel\-)?(v1[12]) b"],
        &[vendor("LvTel"), Capture(Model), MOBILE],
    ),
    rule(
        &[r"\b(ph-1) "],
        &[Capture(Model), vendor("Essential"), MOBILE],
    ),
    rule(
        &[r"\b(v(100md|700na|7011|917g).*\b) b"],
        &[Capture(Model), vendor("Envizen"), TABLET],
    ),
    rule(
        &[r"\b(trio[-\w\. ]+) b"],
        &[Capture(Model), vendor("MachSpeed"), TABLET],
    ),
    rule(
        &[r"\btu_(1491) b"],
        &[Capture(Model), vendor("Rotor"), TABLET],
    ),
    rule(
        &[r"(shield[\w ]+) b"],
        &[Capture(Model), vendor("Nvidia"), TABLET],
    ),
    rule(&[r"(sprint) (\w+)"], VENDOR_MODEL_MOBILE),
    rule(
        &[r"(kin\.[onetw]{3})"],
        &[Mapped(Model, DotsToSpaces), vendor("Microsoft"), MOBILE],
    ),
    rule(
        &[r"droid.+; (cc6666?|et5[16]|mc[239][23]x?|vc8[03]x?)\)"],
        &[Capture(Model), vendor("Zebra"), TABLET],
    ),
    rule(
        &[r"droid.+; (ec30|ps20|tc[2-8]\d[kx])\)"],
        &[Capture(Model), vendor("Zebra"), MOBILE],
    ),
    // Consoles
    rule(
        &[r"(ouya)", r"(nintendo) ([wids3utch]+)"],
        &[Capture(Vendor), Capture(Model), CONSOLE],
    ),
    rule(
        &[r"droid.+; (shield) bui"],
        &[Capture(Model), vendor("Nvidia"), CONSOLE],
    ),
    rule(
        &[r"(playstation [345portablevi]+)"],
        &[Capture(Model), vendor("Sony"), CONSOLE],
    ),
    rule(
        &[r"\b(xbox(?: one)?(?!; xbox))[\); ]"],
        &[Capture(Model), vendor("Microsoft"), CONSOLE],
    ),
    // Smart TVs
    rule(&[r"smart-tv.+(samsung)"], &[Capture(Vendor), SMARTTV]),
    rule(
        &[r"hbbtv.+maple;(\d+)"],
        &[Mapped(Model, Prefix("SmartTV")), vendor("Samsung"), SMARTTV],
    ),
    rule(
        &[r"(nux; netcast.+smarttv|lg (netcast\.tv-201\d|android tv))"],
        &[vendor("LG"), SMARTTV],
    ),
    rule(
        &[r"(apple) ?tv"],
        &[Capture(Vendor), Fixed(Model, "Apple TV"), SMARTTV],
    ),
    rule(
        &[r"crkey"],
        &[Fixed(Model, "Chromecast"), vendor("Google"), SMARTTV],
    ),
    rule(
        &[r"droid.+aft(\w)( bui|\))"],
        &[Capture(Model), vendor("Amazon"), SMARTTV],
    ),
    rule(
        &[r"\(dtv[\);].+(aquos)"],
        &[Capture(Model), vendor("Sharp"), SMARTTV],
    ),
    rule(
        &[
            r"\b(roku)[\dx]*[\)\/]((?:dvp-)?[\d\.]*)",
            r"hbbtv\/\d+\.\d+\.\d+ +\([\w ]*; *(\w[^;]*);([^;]*)",
        ],
        &[Trimmed(Vendor), Trimmed(Model), SMARTTV],
    ),
    rule(
        &[r"\b(android tv|smart[- ]?tv|opera tv|tv; rv:)\b"],
        &[SMARTTV],
    ),
    // Wearables
    rule(
        &[r"((pebble))app"],
        &[Capture(Vendor), Capture(Model), WEARABLE],
    ),
    rule(
        &[r"droid.+; (glass) \d"],
        &[Capture(Model), vendor("Google"), WEARABLE],
    ),
    rule(
        &[r"droid.+; (wt63?0{2,3})\)"],
        &[Capture(Model), vendor("Zebra"), WEARABLE],
    ),
    // Embedded
    rule(
        &[r"(tesla)(?: qtcarbrowser|\/[-\w\.]+)"],
        &[Capture(Vendor), EMBEDDED],
    ),
    // Generic
    rule(
        &[r"droid .+?; ([^;]+?)(?: bui|\) applew).+? mobile safari"],
        &[Capture(Model), MOBILE],
    ),
    rule(
        &[r"droid .+?; ([^;]+?)(?: bui|\) applew).+?(?! mobile) safari"],
        &[Capture(Model), TABLET],
    ),
    rule(&[r"\b((tablet|tab)[;\/]|focus\/\d(?!.+mobile))"], &[TABLET]),
    rule(
        &[r"(phone|mobile(?:[;\/]| safari)|pda(?=.+windows ce))"],
        &[MOBILE],
    ),
    rule(
        &[r"(android[-\w\. ]{0,9});.+buil"],
        &[Capture(Model), vendor("Generic")],
    ),
];
