//! Memory: the proportional set size (PSS, shared pages split between their users) of the app,
//! the browser process, and WebKit's web and network processes, with 1 and with 8 webviews.

use std::time::Duration;

use webpane::{EventLoop, WebViewOptions};

/// A field in KiB of a `/proc` file of `key: value kB` lines (`status`, `smaps_rollup`), 0 if
/// unreadable.
pub(crate) fn proc_kib(path: &str, field: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with(field))?.to_owned();
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// PSS of `pid` in KiB (`/proc/<pid>/smaps_rollup`), 0 if unreadable.
pub(crate) fn pss_kib(pid: u32) -> u64 {
    proc_kib(&format!("/proc/{pid}/smaps_rollup"), "Pss:")
}

/// The direct children of `parent` whose command name starts with `prefix`.
fn children_named(parent: u32, prefix: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| {
                    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
                    let comm_ok =
                        std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.starts_with(prefix));
                    let ppid = stat
                        .rfind(')')
                        .and_then(|i| stat[i + 2..].split(' ').nth(1))
                        .and_then(|p| p.parse::<u32>().ok());
                    comm_ok && ppid == Some(parent)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// PSS in KiB: this app, the process that owns WebKit's children (webpane's runtime, or a wry
/// app), and those children.
struct Sample {
    app: u64,
    runtime: u64,
    web: u64,
    web_processes: usize,
    network: u64,
}

impl Sample {
    /// The owner of WebKit's children and the children.
    fn owner_total(&self) -> u64 {
        self.runtime + self.web + self.network
    }
}

fn sample(owner: u32) -> Sample {
    let web: Vec<u32> = children_named(owner, "WebKitWebProces");
    let network: Vec<u32> = children_named(owner, "WebKitNetworkPr");
    Sample {
        app: pss_kib(std::process::id()),
        runtime: pss_kib(owner),
        web: web.iter().map(|p| pss_kib(*p)).sum(),
        web_processes: web.len(),
        network: network.iter().map(|p| pss_kib(*p)).sum(),
    }
}

const PAGE: &str = "<title>memory</title><body><h1>A page</h1><p>With a little text and a script.</p>\
    <script>chrome.webview.postMessage('loaded')</script></body>";

/// Runs the memory measurement; prints the table unless `opts.json`; returns the JSON.
pub fn run(opts: &crate::setup::Options) -> crate::setup::Result<serde_json::Value> {
    let event_loop = EventLoop::new()?;
    let dir = tempfile::tempdir()?;
    let env = crate::setup::environment(&event_loop, dir.path(), |b| b)?;
    let runtime = env
        .browser_process_id()
        .ok_or(crate::setup::BenchError::Failed("no browser process id".into()))?;
    let loaded = std::rc::Rc::new(std::cell::Cell::new(0usize));
    let mut webviews = Vec::new();
    let mut samples = Vec::new();
    for target in [1usize, 8] {
        while webviews.len() < target {
            let webview = event_loop.block_on(env.create_webview(WebViewOptions::headless(800, 600)))??;
            let l = loaded.clone();
            webview.on_web_message_received(move |_, _| l.set(l.get() + 1));
            webview.navigate_to_string(PAGE)?;
            webviews.push(webview);
        }
        crate::setup::wait_for(&event_loop, "the pages", || loaded.get() >= target)?;
        // Let the processes settle (lazy allocations after the first paint).
        let until = std::time::Instant::now() + Duration::from_millis(700);
        while std::time::Instant::now() < until {
            event_loop.dispatch(Some(Duration::from_millis(50)))?;
        }
        samples.push((target, sample(runtime)));
    }
    // The peer: the same page in 1, then 8 wry webviews of one process, once webpane's processes
    // are gone (PSS splits a library's pages between every process that maps it).
    drop((webviews, env));
    let gone = std::time::Instant::now() + Duration::from_secs(20);
    while std::path::Path::new(&format!("/proc/{runtime}")).exists() && std::time::Instant::now() < gone {
        event_loop.dispatch(Some(Duration::from_millis(50)))?;
    }
    let program = crate::peer::program(opts);
    let peer: Option<Result<serde_json::Value, String>> = program.as_ref().map(|program| {
        let rows: Option<Vec<serde_json::Value>> = [1usize, 8]
            .iter()
            .map(|&n| {
                // The wry app owns its WebKit children: it is the sample's owner.
                with_wry_app(program, n, sample).map(|s| {
                    serde_json::json!({
                        "webviews": n, "app_pss_kib": s.runtime, "web_pss_kib": s.web,
                        "web_processes": s.web_processes, "network_pss_kib": s.network,
                    })
                })
            })
            .collect();
        rows.map(serde_json::Value::Array)
            .ok_or_else(|| "the wry peer did not come up".to_owned())
    });
    // Two apps of one view each: webpane's share one browser process, wry's are two of everything.
    let two_apps = (webpane_two_apps(), program.as_deref().and_then(wry_two_apps));
    let total = |s: &Sample| s.app + s.owner_total();
    let wry_total = |row: &serde_json::Value| {
        ["app_pss_kib", "web_pss_kib", "network_pss_kib"]
            .iter()
            .map(|k| row[k].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    let value = serde_json::Value::Array(
        samples
            .iter()
            .map(|(n, s)| {
                serde_json::json!({
                    "webviews": n, "app_pss_kib": s.app, "runtime_pss_kib": s.runtime,
                    "web_pss_kib": s.web, "web_processes": s.web_processes, "network_pss_kib": s.network,
                })
            })
            .collect(),
    );
    let value = match &peer {
        Some(Ok(wry)) => {
            let rows = wry.as_array().cloned().unwrap_or_default();
            let ratios: Vec<serde_json::Value> = samples
                .iter()
                .zip(&rows)
                .map(|((n, s), w)| serde_json::json!({"webviews": n, "total_over_wry": total(s) as f64 / wry_total(w) as f64}))
                .collect();
            serde_json::json!({"webpane": value, "wry": wry, "webpane_over_wry": ratios})
        }
        Some(Err(why)) => serde_json::json!({"webpane": value, "peer_error": why}),
        None => serde_json::json!({"webpane": value}),
    };
    let mut value = value;
    value["two_apps_pss_kib"] = serde_json::json!({ "webpane": two_apps.0, "wry": two_apps.1 });
    if let (Some(ours), Some(theirs)) = two_apps {
        value["two_apps_webpane_over_wry"] = (ours as f64 / theirs as f64).into();
    }
    if opts.json {
        return Ok(value);
    }
    println!(
        "{:<32} {:>9} {:>9} {:>14} {:>9} {:>9}",
        "memory (PSS, MiB)", "app", "runtime", "web (count)", "network", "total"
    );
    for (n, s) in &samples {
        let mib = |k: u64| k as f64 / 1024.0;
        println!(
            "{:<32} {:>9.1} {:>9.1} {:>9.1} ({:>2}) {:>9.1} {:>9.1}",
            format!("{n} webview{}", if *n == 1 { "" } else { "s" }),
            mib(s.app),
            mib(s.runtime),
            mib(s.web),
            s.web_processes,
            mib(s.network),
            mib(total(s))
        );
    }
    match &peer {
        Some(Ok(wry)) => {
            for (row, (n, s)) in wry.as_array().into_iter().flatten().zip(&samples) {
                let mib = |k: &str| row[k].as_u64().unwrap_or(0) as f64 / 1024.0;
                println!(
                    "{:<32} {:>9.1} {:>9} {:>9.1} ({:>2}) {:>9.1} {:>9.1}  webpane / wry {:.2}",
                    format!("wry peer, {n} webview{}", if *n == 1 { "" } else { "s" }),
                    mib("app_pss_kib"),
                    "—",
                    mib("web_pss_kib"),
                    row["web_processes"].as_u64().unwrap_or(0),
                    mib("network_pss_kib"),
                    wry_total(row) as f64 / 1024.0,
                    total(s) as f64 / wry_total(row) as f64
                );
            }
        }
        Some(Err(why)) => println!("(the wry peer: {why})"),
        None => {}
    }
    let mib = |k: Option<u64>| k.map_or("—".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0));
    let ratio = match two_apps {
        (Some(ours), Some(theirs)) => format!("  webpane / wry {:.2}", ours as f64 / theirs as f64),
        _ => String::new(),
    };
    println!(
        "{:<32} webpane {} MiB (one browser process), wry {} MiB{ratio}",
        "two apps, 1 webview each",
        mib(two_apps.0),
        mib(two_apps.1)
    );
    Ok(value)
}

/// Two apps of one webview each on one user data folder (this one and `webpane run`), sharing
/// one browser process: the total PSS of every process, in KiB.
fn webpane_two_apps() -> Option<u64> {
    let event_loop = EventLoop::new().ok()?;
    let dir = tempfile::tempdir().ok()?;
    let folder = dir.path().join("udf");
    let env = crate::setup::environment(&event_loop, &folder, |b| b).ok()?;
    let runtime = env.browser_process_id()?;
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::headless(800, 600)))
        .ok()?
        .ok()?;
    let loaded = std::rc::Rc::new(std::cell::Cell::new(false));
    let l = loaded.clone();
    webview.on_web_message_received(move |_, _| l.set(true));
    webview.navigate_to_string(PAGE).ok()?;
    while !loaded.get() {
        event_loop.dispatch(Some(Duration::from_millis(50))).ok()?;
    }
    let page = dir.path().join("page.html");
    std::fs::write(&page, PAGE).ok()?;
    let mut second = std::process::Command::new(std::env::current_exe().ok()?)
        .args(["run", "--headless", "--user-data-folder"])
        .arg(&folder)
        .arg(&page)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let said = crate::peer::first_line(&mut second);
    let until = std::time::Instant::now() + Duration::from_millis(700);
    while std::time::Instant::now() < until {
        event_loop.dispatch(Some(Duration::from_millis(50))).ok()?;
    }
    let total = said.map(|_| {
        let s = sample(runtime);
        s.app + s.owner_total() + pss_kib(second.id())
    });
    let _ = second.kill();
    let _ = second.wait();
    drop((webview, env));
    let gone = std::time::Instant::now() + Duration::from_secs(20);
    while std::path::Path::new(&format!("/proc/{runtime}")).exists() && std::time::Instant::now() < gone {
        event_loop.dispatch(Some(Duration::from_millis(50))).ok()?;
    }
    total
}

/// A wry app (the peer) with `views` webviews of the page, held while `measure` looks at its
/// process; `None` if it did not come up.
fn with_wry_app<R>(program: &std::path::Path, views: usize, measure: impl FnOnce(u32) -> R) -> Option<R> {
    let mut child = crate::peer::spawn(program, &["hold", PAGE, &views.to_string()], true).ok()?;
    let ready = crate::peer::first_line(&mut child).is_some();
    let result = ready.then(|| measure(child.id()));
    release(child);
    result
}

/// Ends a held peer (its stdin closes), killing it if it lingers.
fn release(mut child: std::process::Child) {
    drop(child.stdin.take());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while child.try_wait().ok().flatten().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Two wry apps of one webview each, side by side: the total PSS of every process, in KiB.
fn wry_two_apps(program: &std::path::Path) -> Option<u64> {
    with_wry_app(program, 1, |first| {
        with_wry_app(program, 1, |second| {
            sample(first).owner_total() + sample(second).owner_total()
        })
    })
    .flatten()
}
