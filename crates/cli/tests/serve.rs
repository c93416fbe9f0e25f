//! `ampline serve` as a process: the zero-config start (generated write key kept across restarts,
//! presets, dry run, the curl line), `validate`, and the exit on SIGTERM.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Serve {
    child: Child,
    tracking: String,
    admin: String,
    banner: String,
}

/// A failing test must not leave its server running.
impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `ampline serve` on free ports and reads where it listens from its first line.
fn start(data_dir: &Path, config: Option<&Path>) -> Serve {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ampline"));
    command
        .arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    let mut child = command.spawn().expect("ampline serve starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    // "ampline serve: tracking API on http://A, admin API on http://B"
    let address_after = |label: &str| {
        first
            .split(label)
            .nth(1)
            .and_then(|rest| rest.split([',', '\n']).next())
            .map(|url| url.trim_start_matches("http://").to_owned())
            .unwrap_or_else(|| panic!("no {label} in {first:?}"))
    };
    let tracking = address_after("tracking API on ");
    let admin = address_after("admin API on ");
    let mut banner = first.clone();
    if config.is_none() {
        for _ in 0..5 {
            stdout.read_line(&mut banner).unwrap();
        }
    }
    // Whatever else the server prints is read and dropped (it also survives a reader that goes
    // away: `a_closed_standard_output_does_not_stop_the_server`).
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    Serve {
        child,
        tracking,
        admin,
        banner,
    }
}

/// One HTTP/1.1 exchange over loopback; returns the status and the body.
fn http(address: &str, request_head: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "{request_head}\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "serve did not exit on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn zero_config_start_keeps_its_write_key_and_records_a_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut serve = start(&data, None);
    let write_key = std::fs::read_to_string(data.join("write-key")).unwrap();
    let write_key = write_key.trim().to_owned();
    let admin_token = std::fs::read_to_string(data.join("admin-token")).unwrap();
    assert_eq!(write_key.len(), 32);
    assert!(serve.banner.contains("dry run"), "{}", serve.banner);
    assert!(serve.banner.contains("curl -su"), "{}", serve.banner);
    assert!(
        !serve.banner.contains(&write_key),
        "the banner prints the write key itself: {}",
        serve.banner
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(data.join("write-key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the write key is readable by others");
    }

    let event =
        format!(r#"{{"event":"Tried ampline","userId":"user-1","writeKey":"{write_key}"}}"#);
    let head = "POST /v1/track HTTP/1.1\r\nContent-Type: text/plain";
    assert_eq!(http(&serve.tracking, head, &event).0, 200);
    let unknown = r#"{"event":"Tried ampline","userId":"user-1","writeKey":"wrong"}"#;
    assert_eq!(http(&serve.tracking, head, unknown).0, 401);

    let admin_head = format!(
        "GET /api/deliveries HTTP/1.1\r\nAuthorization: Bearer {}",
        admin_token.trim()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let recorded = loop {
        let (status, body) = http(&serve.admin, &admin_head, "");
        assert_eq!(status, 200, "{body}");
        if body.contains("Tried ampline") {
            break body;
        }
        assert!(Instant::now() < deadline, "no dry-run record: {body}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(recorded.contains("\"dry_run\":true"), "{recorded}");
    assert!(!recorded.contains(&write_key), "{recorded}");

    let status = terminate(&mut serve.child);
    assert!(status.success(), "{status:?}");

    let mut again = start(&data, None);
    let kept = std::fs::read_to_string(data.join("write-key")).unwrap();
    assert_eq!(kept.trim(), write_key);
    assert_eq!(http(&again.tracking, head, &event).0, 200);
    assert!(terminate(&mut again.child).success());
}

#[test]
fn a_closed_standard_output_does_not_stop_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let free_port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .to_string()
    };
    let (tracking, admin) = (free_port(), free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_ampline"))
        .arg("serve")
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--listen", &tracking, "--admin-listen", &admin])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut serve = Serve {
        child,
        tracking: tracking.clone(),
        admin,
        banner: String::new(),
    };
    // Closed before the server prints its first line.
    drop(serve.child.stdout.take());
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&tracking).is_err() {
        assert_eq!(serve.child.try_wait().unwrap(), None, "serve exited");
        assert!(Instant::now() < deadline, "serve never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
    let write_key = std::fs::read_to_string(dir.path().join("write-key")).unwrap();
    let event = format!(
        r#"{{"event":"E","userId":"user-1","writeKey":"{}"}}"#,
        write_key.trim()
    );
    assert_eq!(http(&tracking, "POST /v1/track HTTP/1.1", &event).0, 200);
    assert!(terminate(&mut serve.child).success());
}

/// `ampline validate CONFIG`: success, standard output, standard error.
fn validate(config: &Path) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ampline"))
        .arg("validate")
        .arg(config)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn validate_names_every_problem_and_serve_refuses_a_bad_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ampline.toml");
    std::fs::write(
        &config,
        "[[sources]]\nname = \"web\"\nwrite_key = \"WK\"\n[server]\ntrusted_proxies = [\"10.0.0.0/33\"]\n\
         [delivery]\nlinger = \"soon\"\n",
    )
    .unwrap();
    let (valid, _, stderr) = validate(&config);
    assert!(!valid);
    assert!(stderr.contains("linger"), "{stderr}");

    std::fs::write(
        &config,
        "[[sources]]\nname = \"web\"\nwrite_key = \"WK\"\n[server]\ntrusted_proxies = [\"10.0.0.0/33\"]\n",
    )
    .unwrap();
    let (valid, _, stderr) = validate(&config);
    assert!(!valid);
    assert!(stderr.contains("server.trusted_proxies[0]"), "{stderr}");

    let served = Command::new(env!("CARGO_BIN_EXE_ampline"))
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!served.status.success());
    let stderr = String::from_utf8_lossy(&served.stderr);
    assert!(stderr.contains("server.trusted_proxies[0]"), "{stderr}");

    std::fs::write(&config, "[[sources]]\nname = \"web\"\nwrite_key = \"WK\"\n").unwrap();
    let (valid, stdout, _) = validate(&config);
    assert!(valid);
    assert!(stdout.contains("dry run"), "{stdout}");
}

#[test]
fn sighup_reloads_the_configuration_and_keeps_it_when_the_new_one_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ampline.toml");
    let base =
        "[[sources]]\nname = \"web\"\nwrite_key = \"WK\"\n[server]\nadmin_token = \"T0KEN\"\n";
    std::fs::write(&config, base).unwrap();
    let mut serve = start(&dir.path().join("data"), Some(&config));
    let status = |serve: &Serve| {
        let (code, body) = http(
            &serve.admin,
            "GET /api/status HTTP/1.1\r\nAuthorization: Bearer T0KEN",
            "",
        );
        assert_eq!(code, 200, "{body}");
        body
    };
    assert!(status(&serve).contains("\"Track Calls\""));
    let hangup = |serve: &Serve| {
        let sent = Command::new("kill")
            .args(["-HUP", &serve.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    };
    let wait_for = |serve: &Serve, wanted: &str| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let body = status(serve);
            if body.contains(wanted) {
                return body;
            }
            assert!(Instant::now() < deadline, "never saw {wanted}: {body}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };

    std::fs::write(
        &config,
        format!(
            "{base}[[mappings]]\nname = \"only this\"\ntrigger = 'type = \"track\"'\naction = \"logEventV2\"\n"
        ),
    )
    .unwrap();
    hangup(&serve);
    let reloaded = wait_for(&serve, "\"only this\"");
    assert!(!reloaded.contains("\"Track Calls\""), "{reloaded}");

    std::fs::write(
        &config,
        format!("{base}[[mappings]]\nname = \"broken\"\ntrigger = '('\naction = \"logEventV2\"\n"),
    )
    .unwrap();
    hangup(&serve);
    // The failed reload is counted; the mappings stay.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, metrics) = http(
            &serve.admin,
            "GET /metrics HTTP/1.1\r\nAuthorization: Bearer T0KEN",
            "",
        );
        if metrics.contains("ampline_config_reloads_total{reason=\"invalid\"} 1") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no failed reload counted: {metrics}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(status(&serve).contains("\"only this\""));
    assert!(terminate(&mut serve.child).success());
}
