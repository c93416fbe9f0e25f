//! Parse cost per user agent, uncached and through the cache.

use ampline_useragent::{parse_user_agent, UserAgentCache};

fn main() {
    divan::main();
}

const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/119.0",
];

/// A desktop user agent: no device rule matches, so every device pattern is tried.
#[divan::bench]
fn uncached_desktop(bencher: divan::Bencher) {
    bencher.bench(|| parse_user_agent(divan::black_box(USER_AGENTS[0]), None));
}

#[divan::bench]
fn uncached_mix(bencher: divan::Bencher) {
    bencher
        .counter(divan::counter::ItemsCount::new(USER_AGENTS.len()))
        .bench(|| {
            for agent in USER_AGENTS {
                divan::black_box(parse_user_agent(divan::black_box(agent), None));
            }
        });
}

#[divan::bench]
fn cached_mix(bencher: divan::Bencher) {
    let mut cache = UserAgentCache::new(1024);
    bencher
        .counter(divan::counter::ItemsCount::new(USER_AGENTS.len()))
        .bench_local(|| {
            for agent in USER_AGENTS {
                divan::black_box(cache.get_or_parse(divan::black_box(agent), None));
            }
        });
}
