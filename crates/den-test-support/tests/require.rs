//! A missing tool is reported and passes, or fails under `DEN_TEST_REQUIRE_ALL=1`; the loopback
//! server answers with a test's own handler.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;

use den_test_support::http::{HttpServer, Response, refused_addr};
use den_test_support::{REQUIRE_ALL, find_program, require, require_program};

/// Run only by [`a_missing_tool_is_reported_and_fails_only_under_require_all`], in a child
/// process whose environment it controls.
#[test]
#[ignore = "run as a child process by a_missing_tool_is_reported_and_fails_only_under_require_all"]
fn needs_a_missing_tool() {
    assert!(require_program("den-no-such-tool", "this child test").is_none());
}

/// Runs [`needs_a_missing_tool`] in this test binary with `DEN_TEST_REQUIRE_ALL` set to
/// `require_all`; returns (success, stderr).
fn child(require_all: &str) -> (bool, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "needs_a_missing_tool",
            "--ignored",
            "--nocapture",
        ])
        .env(REQUIRE_ALL, require_all)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_missing_tool_is_reported_and_fails_only_under_require_all() {
    let message = "MISSING TOOL den-no-such-tool (not found on PATH): NOT CHECKED: this child test";
    let (passed, stderr) = child("0");
    assert!(passed, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{message}; DEN_TEST_REQUIRE_ALL=1 makes this a failure"
        )),
        "{stderr}"
    );
    let (passed, stderr) = child("1");
    assert!(!passed, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{message} (DEN_TEST_REQUIRE_ALL=1 requires every tool)"
        )),
        "{stderr}"
    );
}

#[test]
fn a_present_tool_is_returned() {
    assert_eq!(require(Some(7), "seven", "nothing"), Some(7));
    let sh = find_program("sh").expect("sh on PATH");
    assert!(sh.is_absolute() && sh.ends_with("sh"), "{}", sh.display());
    assert_eq!(require_program("sh", "nothing"), Some(sh));
}

#[test]
fn a_server_answers_with_its_handler_and_a_refused_address_refuses() {
    let server = HttpServer::start(|request| {
        Response::new(304, "text/html", Vec::new())
            .with_header("ETag", format!("\"{}\"", request.path))
    });
    assert!(server.url().starts_with("http://127.0.0.1:"));
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .write_all(b"GET /simple/x/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 304 Not Modified\r\n"), "{raw}");
    assert!(raw.contains("ETag: \"/simple/x/\"\r\n"), "{raw}");
    assert!(TcpStream::connect(refused_addr()).is_err());
}
