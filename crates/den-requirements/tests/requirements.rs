//! Requirements files and arguments through the public API, against pip's documented behaviour.

use std::fs;
use std::path::{Path, PathBuf};

use den_requirements::{
    ParsedRequirement, RequirementEntry, RequirementOrigin, RequirementsError, RequirementsFile,
    UnnamedRequirement, parse_requirement_arg, parse_requirements_file, parse_requirements_str,
};

/// A temporary working directory with a project, a wheel, a source archive and a text file.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("proj")).unwrap();
        fs::write(root.join("proj/pyproject.toml"), "[project]\nname='p'\n").unwrap();
        fs::create_dir_all(root.join("legacy")).unwrap();
        fs::write(root.join("legacy/setup.py"), "").unwrap();
        fs::create_dir_all(root.join("empty")).unwrap();
        fs::create_dir_all(root.join("dist")).unwrap();
        fs::write(root.join("dist/Foo_Bar-1.0-py3-none-any.whl"), "").unwrap();
        fs::write(root.join("dist/baz-qux-2.0.tar.gz"), "").unwrap();
        fs::write(root.join("dist/snapshot.zip"), "").unwrap();
        fs::write(root.join("notes.txt"), "").unwrap();
        Self { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn parse(&self, text: &str) -> Result<RequirementsFile, RequirementsError> {
        parse_requirements_str(text, &self.root().join("requirements.txt"), self.root())
    }

    fn url(&self, rel: &str) -> String {
        format!("file://{}", self.root().join(rel).display())
    }
}

fn names(entries: &[RequirementEntry]) -> Vec<String> {
    entries.iter().map(|e| e.requirement.to_string()).collect()
}

fn line_of(origin: &RequirementOrigin) -> usize {
    match origin {
        RequirementOrigin::File { line, .. } => *line,
        RequirementOrigin::Lock { .. } | RequirementOrigin::CommandLine => 0,
    }
}

fn parse(text: &str) -> Result<RequirementsFile, RequirementsError> {
    parse_requirements_str(
        text,
        Path::new("requirements.txt"),
        Path::new("/nonexistent-den"),
    )
}

#[test]
fn parses_requirements_comments_continuations_and_hashes() {
    let text = "# top comment\n\
        requests[socks]>=2.0,<3 ; python_version >= \"3.8\"  # trailing comment\n\
        \n\
        flask \\\n  ==3.0.0 \\\n  --hash=sha256:ABCDEF01 --hash sha256:00ff\n";
    let file = parse(text).unwrap();
    assert_eq!(
        names(&file.requirements),
        [
            "requests[socks]>=2.0,<3 ; python_full_version >= '3.8'",
            "flask==3.0.0"
        ]
    );
    let flask = &file.requirements[1];
    assert_eq!(flask.origin.to_string(), "requirements.txt:4");
    assert_eq!(flask.hashes.len(), 2);
    assert_eq!(flask.hashes[0].to_string(), "sha256=abcdef01");
    assert!(!flask.editable);
    assert_eq!(line_of(&file.requirements[0].origin), 2);
}

#[test]
fn reads_every_global_option_in_both_spellings() {
    let tree = Tree::new();
    fs::create_dir(tree.root().join("wheels")).unwrap();
    let text = "--index-url https://example.org/simple\n\
        -i=https://second.example/simple\n\
        --extra-index-url=https://extra.example/simple\n\
        --extra-index-url 'https://quoted.example/simple'\n\
        --no-index --pre\n\
        -f wheels\n\
        --find-links=./not-here\n\
        -f https://example.org/links/\n\
        --trusted-host example.org --trusted-host=other.example\n\
        --only-binary :all:\n\
        --no-binary=foo,bar\n\
        --prefer-binary\n\
        --require-hashes\n";
    let file = tree.parse(text).unwrap();
    assert_eq!(
        file.index_url.as_deref(),
        Some("https://second.example/simple")
    );
    assert_eq!(
        file.extra_index_urls,
        [
            "https://extra.example/simple",
            "https://quoted.example/simple"
        ]
    );
    assert!(file.no_index && file.pre && file.prefer_binary && file.require_hashes);
    let root = tree.root().display();
    assert_eq!(
        file.find_links,
        [
            format!("{root}/wheels"),
            format!("{root}/not-here"),
            "https://example.org/links/".to_string()
        ]
    );
    assert_eq!(file.trusted_hosts, ["example.org", "other.example"]);
    assert_eq!(file.only_binary, [":all:"]);
    assert_eq!(file.no_binary, ["foo,bar"]);
}

#[test]
fn find_links_prefer_the_requirements_files_directory() {
    let tree = Tree::new();
    fs::create_dir_all(tree.root().join("sub/wheels")).unwrap();
    fs::write(tree.root().join("sub/reqs.txt"), "-f wheels\n-f dist\n").unwrap();
    let work = tempfile::tempdir().unwrap();
    let file = parse_requirements_str(
        &fs::read_to_string(tree.root().join("sub/reqs.txt")).unwrap(),
        &tree.root().join("sub/reqs.txt"),
        work.path(),
    )
    .unwrap();
    assert_eq!(
        file.find_links,
        [
            tree.root().join("sub/wheels").display().to_string(),
            work.path().join("dist").display().to_string()
        ]
    );
}

#[test]
fn inlines_nested_files_and_constraints() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(
        dir.path().join("sub/base.txt"),
        "six\n-c ../constraints.txt\n",
    )
    .unwrap();
    fs::write(dir.path().join("constraints.txt"), "six<2\n-r more.txt\n").unwrap();
    fs::write(dir.path().join("more.txt"), "idna==3.4\n--pre\n").unwrap();
    let top = dir.path().join("requirements.txt");
    let more = format!("file://{}", dir.path().join("more.txt").display());
    fs::write(&top, format!("attrs\n-r sub/base.txt\nzipp\n-r {more}\n")).unwrap();
    let file = parse_requirements_file(&top).unwrap();
    assert_eq!(
        names(&file.requirements),
        ["attrs", "six", "zipp", "idna==3.4"]
    );
    assert_eq!(names(&file.constraints), ["six<2", "idna==3.4"]);
    assert!(file.pre, "options of nested files count");
    assert_eq!(
        file.requirements[1].origin,
        RequirementOrigin::File {
            file: dir.path().join("sub/base.txt"),
            line: 1
        }
    );
}

#[test]
fn detects_include_cycles_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), "-r b.txt\n").unwrap();
    fs::write(dir.path().join("b.txt"), "x\n\n--requirement=a.txt\n").unwrap();
    let err = parse_requirements_file(&dir.path().join("a.txt")).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, RequirementsError::IncludeCycle { .. }),
        "{message}"
    );
    assert!(message.contains("b.txt:3"), "{message}");

    let err = parse_requirements_file(Path::new("/nonexistent/den/reqs.txt")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/den/reqs.txt"));
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert!(!err.to_string().contains(&cause), "cause shown once: {err}");
    let message = parse("ok\n-r missing-den.txt\n").unwrap_err().to_string();
    assert!(
        message.starts_with("requirements.txt:2: could not read included file `missing-den.txt`"),
        "{message}"
    );
}

#[test]
fn local_paths_are_absolute_file_urls_named_by_their_filenames() {
    let tree = Tree::new();
    let text = format!(
        "./proj[dev, test] ; python_version >= '3.8'\n\
        ./legacy\n\
        dist/Foo_Bar-1.0-py3-none-any.whl\n\
        ./dist/baz-qux-2.0.tar.gz --hash=sha256:aa\n\
        dist/snapshot.zip\n\
        mine @ ./proj\n\
        other[x] @ {} ; sys_platform == 'linux'\n",
        tree.url("proj")
    );
    let file = tree.parse(&text).unwrap();
    let root = tree.root().display();
    assert_eq!(
        names(&file.requirements),
        [
            format!("foo-bar @ file://{root}/dist/Foo_Bar-1.0-py3-none-any.whl"),
            format!("baz-qux @ file://{root}/dist/baz-qux-2.0.tar.gz"),
            format!("mine @ file://{root}/proj"),
            format!("other[x] @ file://{root}/proj ; sys_platform == 'linux'"),
        ]
    );
    assert_eq!(file.requirements[1].hashes[0].to_string(), "sha256=aa");
    let unnamed: Vec<&UnnamedRequirement> = file.unnamed.iter().collect();
    assert_eq!(unnamed.len(), 3);
    assert_eq!(unnamed[0].url.as_str(), tree.url("proj"));
    assert_eq!(unnamed[0].url.given(), Some("./proj"));
    assert_eq!(
        unnamed[0].given,
        "./proj[dev, test] ; python_version >= '3.8'"
    );
    assert_eq!(
        unnamed[0]
            .extras
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["dev", "test"]
    );
    assert!(!unnamed[0].marker.is_true());
    assert_eq!(line_of(&unnamed[0].origin), 1);
    assert_eq!(unnamed[1].url.as_str(), tree.url("legacy"));
    assert_eq!(unnamed[2].url.as_str(), tree.url("dist/snapshot.zip"));

    let named = file.unnamed[0].clone().named("p".parse().unwrap());
    assert_eq!(
        named.requirement.to_string(),
        format!("p[dev,test] @ file://{root}/proj ; python_full_version >= '3.8'")
    );
    assert_eq!(line_of(&named.origin), 1);
}

#[test]
fn refuses_paths_that_are_missing_or_not_installable() {
    let tree = Tree::new();
    let root = tree.root().display().to_string();
    let cases = [
        (
            "./missing",
            "`./missing` looks like a local path, but `{root}/missing` does not exist",
        ),
        ("x-1.0.tar.gz", "`{root}/x-1.0.tar.gz` does not exist"),
        (
            "sub/../nope-1.0-py3-none-any.whl",
            "`{root}/nope-1.0-py3-none-any.whl` does not exist",
        ),
        (
            "./empty",
            "cannot install `{root}/empty`: the directory has neither pyproject.toml nor setup.py",
        ),
        (
            "./notes.txt",
            "cannot install `{root}/notes.txt`: it is neither a wheel",
        ),
        (
            "dist/Foo_Bar-1.0-py3-none-any.whl ; python_version >",
            "invalid requirement",
        ),
        (
            "other @ ./dist/Foo_Bar-1.0-py3-none-any.whl",
            "the wheel is a distribution of `foo-bar`, not `other`",
        ),
        (
            "./proj[not an extra]",
            "invalid requirement `./proj[not an extra]`",
        ),
    ];
    for (line, expected) in cases {
        let err = tree.parse(&format!("fine\n{line}\n")).unwrap_err();
        let message = err.to_string();
        let expected = expected.replace("{root}", &root);
        assert!(message.contains(&expected), "{line}: {message}");
        assert!(
            message.contains("requirements.txt:2: "),
            "{line}: {message}"
        );
    }
}

#[test]
fn urls_name_archives_and_keep_git_references() {
    let file = parse(
        "https://example.org/files/Foo-1.0-py3-none-any.whl#sha256=AB\n\
        https://example.org/files/foo-bar-2.0.tar.gz ; python_version < '4'\n\
        https://github.com/o/r/archive/refs/tags/1.26.8.zip\n\
        git+https://github.com/o/r.git@v1.0#egg=thing[cli]&subdirectory=pkg\n\
        git+ssh://git@github.com/o/r.git@main\n\
        git+file:///srv/repo\n\
        named @ git+https://github.com/o/named.git@abc123\n\
        pinned @ https://example.org/pinned-1.0.tar.gz --hash sha512:cd\n",
    )
    .unwrap();
    assert_eq!(
        names(&file.requirements),
        [
            "foo @ https://example.org/files/Foo-1.0-py3-none-any.whl#sha256=AB",
            "foo-bar @ https://example.org/files/foo-bar-2.0.tar.gz ; python_full_version < '4'",
            "thing[cli] @ git+https://github.com/o/r.git@v1.0#subdirectory=pkg",
            "named @ git+https://github.com/o/named.git@abc123",
            "pinned @ https://example.org/pinned-1.0.tar.gz",
        ]
    );
    assert_eq!(file.requirements[0].hashes[0].to_string(), "sha256=ab");
    assert_eq!(file.requirements[4].hashes[0].to_string(), "sha512=cd");
    let unnamed: Vec<&str> = file.unnamed.iter().map(|u| u.url.as_str()).collect();
    assert_eq!(
        unnamed,
        [
            "https://github.com/o/r/archive/refs/tags/1.26.8.zip",
            "git+ssh://git@github.com/o/r.git@main",
            "git+file:///srv/repo"
        ]
    );
}

#[test]
fn refuses_other_version_control_systems_and_schemes() {
    let cases = [
        (
            "hg+https://hg.example/repo#egg=x",
            "is a Mercurial URL, but den supports git only",
        ),
        (
            "x @ svn+https://svn.example/repo",
            "is a Subversion URL, but den supports git only",
        ),
        ("bzr+https://bzr.example/p", "is a Bazaar URL"),
        (
            "ftp://example.org/x-1.0.tar.gz",
            "cannot use URL `ftp://example.org/x-1.0.tar.gz`",
        ),
        ("https://example.org/x.whl", "not a valid wheel filename"),
        (
            "https://example.org/x-1.0.tar.gz#sha256=xyz",
            "invalid hash `sha256=xyz`",
        ),
        ("git+https://h/r.git#egg=", "`#egg=` is empty"),
        ("git@github.com:o/r.git", "write git+ssh://user@host/path"),
        (
            "git+https://h/r.git#egg=x>=1",
            "must be a project name with optional [extras] only",
        ),
        (
            "-r https://example.org/r.txt",
            "den reads -r/-c files from local paths only",
        ),
    ];
    for (line, expected) in cases {
        let message = parse(&format!("fine\n{line}\n")).unwrap_err().to_string();
        assert!(
            message.starts_with("requirements.txt:2: "),
            "{line}: {message}"
        );
        assert!(message.contains(expected), "{line}: {message}");
    }
}

#[test]
fn editables_are_project_directories_or_git_urls() {
    let tree = Tree::new();
    let file = tree
        .parse(
            "-e ./proj[dev]\n\
            --editable=legacy\n\
            -e git+https://github.com/o/r.git@v2#egg=tool\n\
            -e git+https://github.com/o/unnamed.git\n\
            -e 'mine @ ./proj'\n\
            -e ./legacy#egg=old\n",
        )
        .unwrap();
    assert!(file.requirements.iter().all(|e| e.editable));
    assert!(file.unnamed.iter().all(|u| u.editable));
    assert_eq!(
        names(&file.requirements),
        [
            "tool @ git+https://github.com/o/r.git@v2".to_string(),
            format!("mine @ {}", tree.url("proj")),
            format!("old @ {}", tree.url("legacy")),
        ]
    );
    assert_eq!(file.unnamed.len(), 3);
    assert_eq!(file.unnamed[0].extras.len(), 1);
    assert_eq!(file.unnamed[1].url.as_str(), tree.url("legacy"));

    let root = tree.root().display().to_string();
    let cases = [
        (
            "-e dist/Foo_Bar-1.0-py3-none-any.whl",
            "-e needs a project directory",
        ),
        (
            "-e https://example.org/x-1.0.tar.gz",
            "-e needs a local project directory or a git+ URL",
        ),
        (
            "-e requests",
            "`requests` looks like a local path, but `{root}/requests` does not exist",
        ),
        ("-e", "option `-e` needs a value"),
        (
            "--pre -e ./proj",
            "option `-e` is not supported after other options",
        ),
    ];
    for (line, expected) in cases {
        let message = tree
            .parse(&format!("fine\n{line}\n"))
            .unwrap_err()
            .to_string();
        let expected = expected.replace("{root}", &root);
        assert!(
            message.starts_with(&format!("{root}/requirements.txt:2: ")),
            "{message}"
        );
        assert!(message.contains(&expected), "{line}: {message}");
    }
}

#[test]
fn constraints_follow_pips_rules() {
    let tree = Tree::new();
    fs::write(
        tree.root().join("ok.txt"),
        "six<2\nfoo-bar @ ./dist/Foo_Bar-1.0-py3-none-any.whl\n",
    )
    .unwrap();
    let file = tree.parse("-c ok.txt\n").unwrap();
    assert_eq!(file.constraints.len(), 2);
    let cases = [
        ("./proj", "constraints must name their project"),
        (
            "-e 'mine @ ./proj'",
            "editable requirements are not allowed as constraints",
        ),
        ("six[extra]<2", "constraints cannot have extras"),
    ];
    for (line, expected) in cases {
        fs::write(tree.root().join("bad.txt"), format!("{line}\n")).unwrap();
        let message = tree.parse("-c bad.txt\n").unwrap_err().to_string();
        assert!(message.contains("bad.txt:1: "), "{message}");
        assert!(message.contains(expected), "{line}: {message}");
    }
}

#[test]
fn rejects_unsupported_unknown_and_misplaced_options() {
    let cases = [
        (
            "--use-feature=truststore",
            "option `--use-feature` is not supported by den",
        ),
        (
            "pkg --global-option=x",
            "option `--global-option` is not supported by den",
        ),
        (
            "pkg --config-settings key=value",
            "option `--config-settings` is not supported by den",
        ),
        (
            "pkg --pre",
            "option `--pre` is not supported after a requirement",
        ),
        (
            "--hash=sha256:00",
            "option `--hash` is not supported without a requirement",
        ),
        ("--frobnicate", "unknown option `--frobnicate`"),
        ("--index-url", "option `--index-url` needs a value"),
        ("--index-url=", "option `--index-url` needs a value"),
        ("--pre=yes", "unexpected `--pre=yes`"),
        ("--pre requests", "unexpected `requests` after an option"),
        ("-i 'https://unclosed", "unterminated quote"),
        ("pkg --hash=md5:00", "invalid hash `md5:00`"),
        ("pkg>=>1", "invalid requirement `pkg>=>1`: "),
    ];
    for (text, expected) in cases {
        let message = parse(&format!("fine\n{text}\n")).unwrap_err().to_string();
        assert!(message.starts_with("requirements.txt:2: "), "{message}");
        assert!(message.contains(expected), "{text:?}: {message}");
    }
}

#[test]
#[allow(unsafe_code)] // std::env::set_var
fn errors_never_show_url_credentials() {
    // SAFETY: the variable name is unique to this test; no other thread reads it.
    unsafe { std::env::set_var("DEN_REQ_TEST_TOKEN", "s3cretTOKEN") };
    let cases = [
        "foo @ https://alice:s3cretTOKEN@host/foo-1.0-py3-none-any.whl#sha256=zz",
        "foo @ https://alice:${DEN_REQ_TEST_TOKEN}@host/bar-1.0-py3-none-any.whl",
        "foo @ https://s3cretTOKEN@host/foo.whl ; python_version > '3'",
        "hg+https://alice:s3cretTOKEN@host/repo",
        "ftp://alice:s3cretTOKEN@host/x.tar.gz",
        "-e https://alice:s3cretTOKEN@host/x.tar.gz",
        "-r https://alice:s3cretTOKEN@host/requirements.txt",
        "-c https://${DEN_REQ_TEST_TOKEN}@host/constraints.txt",
        "foo @@ https://alice:s3cretTOKEN@host/x",
        "foo --hash=https://alice:s3cretTOKEN@host/",
        "--pre=https://alice:s3cretTOKEN@host/",
        "--pre https://alice:s3cretTOKEN@host/",
        "-i 'https://alice:s3cretTOKEN@host/",
    ];
    for line in cases {
        let err = parse(&format!("{line}\n")).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(shown.starts_with("requirements.txt:1: "), "{shown}");
        assert!(!shown.contains("s3cret"), "{line}: {shown}");
    }
    for arg in [
        "foo @ https://alice:s3cretTOKEN@host/foo.whl",
        "foo @@ https://alice:s3cretTOKEN@host/x",
    ] {
        let err = parse_requirement_arg(arg, false).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("https://alice:****@host/"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }
    let err =
        parse_requirements_file(Path::new("https://alice:s3cretTOKEN@host/r.txt")).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("s3cret"), "{err}");
}

#[test]
fn parses_command_line_arguments() {
    let ParsedRequirement::Named(entry) =
        parse_requirement_arg(" PKG[extra]>=1,<2 ", false).unwrap()
    else {
        panic!("a PEP 508 requirement is named");
    };
    assert_eq!(entry.requirement.to_string(), "pkg[extra]>=1,<2");
    assert_eq!(entry.origin, RequirementOrigin::CommandLine);

    let tree = Tree::new();
    let wheel = tree.root().join("dist/Foo_Bar-1.0-py3-none-any.whl");
    let ParsedRequirement::Named(entry) =
        parse_requirement_arg(wheel.to_str().unwrap(), false).unwrap()
    else {
        panic!("a wheel is named by its filename");
    };
    assert_eq!(entry.requirement.name.as_ref(), "foo-bar");

    let project = tree.root().join("proj");
    let ParsedRequirement::Unnamed(unnamed) =
        parse_requirement_arg(project.to_str().unwrap(), true).unwrap()
    else {
        panic!("a directory is unnamed");
    };
    assert!(unnamed.editable);
    assert_eq!(unnamed.url.to_file_path().unwrap(), PathBuf::from(&project));

    let named = format!("{}#egg=p", tree.url("proj"));
    let ParsedRequirement::Named(entry) = parse_requirement_arg(&named, false).unwrap() else {
        panic!("#egg= names a directory URL");
    };
    assert_eq!(
        entry.requirement.to_string(),
        format!("p @ {}", tree.url("proj"))
    );

    let err = parse_requirement_arg(".", false).unwrap_err();
    assert!(
        matches!(err, RequirementsError::NotInstallable { ref path, .. }
            if *path == std::env::current_dir().unwrap()),
        "`.` is the current directory (this crate's, which is no Python project): {err}"
    );
    let err = parse_requirement_arg("pkg==", false)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("command line: invalid requirement `pkg==`"),
        "{err}"
    );
    let err = parse_requirement_arg(wheel.to_str().unwrap(), true)
        .unwrap_err()
        .to_string();
    assert!(err.contains("-e needs a project directory"), "{err}");
    let err = parse_requirement_arg("hg+https://h/r", false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("den supports git only"), "{err}");
}

#[test]
fn relative_file_urls_are_paths_from_the_working_directory() {
    let tree = Tree::new();
    let work = tree.root().join("proj");
    fs::create_dir(work.join("wh")).unwrap();
    fs::write(work.join("wh/x-1.0-py3-none-any.whl"), "").unwrap();
    let text = "-e file:.\n\
        -e file:../legacy#egg=old\n\
        file:../dist/Foo_Bar-1.0-py3-none-any.whl --hash=sha256:aa\n\
        file:./wh/x-1.0-py3-none-any.whl\n\
        file:wh/x-1.0-py3-none-any.whl#sha256=bb\n\
        file:.[dev] ; python_version >= '3.8'\n\
        -e file:../proj#egg=p[cli]&subdirectory=sub\n\
        named @ file:../legacy\n\
        FILE:%2E%2E/legacy#egg=escaped\n";
    let file = parse_requirements_str(text, &tree.root().join("requirements.txt"), &work).unwrap();
    let root = tree.root().display();
    assert_eq!(
        names(&file.requirements),
        [
            format!("old @ file://{root}/legacy"),
            format!("foo-bar @ file://{root}/dist/Foo_Bar-1.0-py3-none-any.whl"),
            format!("x @ file://{root}/proj/wh/x-1.0-py3-none-any.whl"),
            format!("x @ file://{root}/proj/wh/x-1.0-py3-none-any.whl#sha256=bb"),
            format!("p[cli] @ file://{root}/proj#subdirectory=sub"),
            format!("named @ file://{root}/legacy"),
            format!("escaped @ file://{root}/legacy"),
        ]
    );
    let editable: Vec<bool> = file.requirements.iter().map(|e| e.editable).collect();
    assert_eq!(editable, [true, false, false, false, true, false, false]);
    assert_eq!(file.requirements[1].hashes[0].to_string(), "sha256=aa");
    assert_eq!(file.requirements[3].hashes[0].to_string(), "sha256=bb");
    assert_eq!(file.unnamed.len(), 2);
    assert!(file.unnamed[0].editable);
    assert_eq!(file.unnamed[0].url.as_str(), tree.url("proj"));
    assert_eq!(file.unnamed[0].url.given(), Some("file:."));
    assert_eq!(file.unnamed[1].url.as_str(), tree.url("proj"));
    assert_eq!(file.unnamed[1].extras[0].to_string(), "dev");
    assert!(!file.unnamed[1].marker.is_true());

    let cases = [
        (
            "-e file:../ed/docopt-0.6.2",
            "`file:../ed/docopt-0.6.2` looks like a local path, but `{root}/ed/docopt-0.6.2` \
             does not exist",
        ),
        (
            "file:./wh/missing-1.0-py3-none-any.whl",
            "but `{root}/proj/wh/missing-1.0-py3-none-any.whl` does not exist",
        ),
        (
            "file:nope-1.0.tar.gz",
            "but `{root}/proj/nope-1.0.tar.gz` does not exist",
        ),
        (
            "file:../empty",
            "cannot install `{root}/empty`: the directory has neither",
        ),
    ];
    for (line, expected) in cases {
        let err = parse_requirements_str(
            &format!("fine\n{line}\n"),
            &tree.root().join("requirements.txt"),
            &work,
        )
        .unwrap_err();
        let message = err.to_string();
        let expected = expected.replace("{root}", &root.to_string());
        assert!(message.contains(&expected), "{line}: {message}");
        assert!(
            message.starts_with(&format!("{root}/requirements.txt:2: ")),
            "{message}"
        );
    }
}

#[test]
fn relative_file_url_arguments_are_taken_from_the_current_directory() {
    let tree = Tree::new();
    let cwd = std::env::current_dir().unwrap();
    // `../` up to `/` from the test's working directory (the crate), then the temporary tree.
    let up = "../".repeat(cwd.components().count() - 1);
    let root = tree.root().strip_prefix("/").unwrap().display().to_string();

    let arg = format!("file:{up}{root}/proj#egg=p[dev]");
    let ParsedRequirement::Named(entry) = parse_requirement_arg(&arg, true).unwrap() else {
        panic!("#egg= names an editable file: URL");
    };
    assert!(entry.editable);
    assert_eq!(
        entry.requirement.to_string(),
        format!("p[dev] @ {}", tree.url("proj"))
    );
    let arg = format!("file:{up}{root}/dist/Foo_Bar-1.0-py3-none-any.whl");
    let ParsedRequirement::Named(entry) = parse_requirement_arg(&arg, false).unwrap() else {
        panic!("a wheel is named by its filename");
    };
    assert_eq!(
        entry.requirement.to_string(),
        format!(
            "foo-bar @ {}",
            tree.url("dist/Foo_Bar-1.0-py3-none-any.whl")
        )
    );

    let not_installable = |arg: &str, editable: bool| match parse_requirement_arg(arg, editable) {
        Err(RequirementsError::NotInstallable { path, .. }) => path,
        other => panic!("{arg}: {other:?}"),
    };
    assert_eq!(not_installable("file:.", true), cwd);
    assert_eq!(
        not_installable("file:./src/lib.rs", false),
        cwd.join("src/lib.rs")
    );
    assert_eq!(not_installable("file:tests", false), cwd.join("tests"));
    match parse_requirement_arg("file:../den-requirements/no-such-1.0.tar.gz", false) {
        Err(RequirementsError::MissingPath { path, text, .. }) => {
            assert_eq!(path, cwd.join("no-such-1.0.tar.gz"));
            assert_eq!(text, "file:../den-requirements/no-such-1.0.tar.gz");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn requirements_that_crashed_the_pep508_parser_are_errors_naming_the_place() {
    // pep508_rs 0.9.2 panicked on each of these (den_dist::parse_requirement checks them).
    let deep = format!("foo; {}", "(".repeat(20_000));
    let cases = [
        "foo-é",
        "foo-é>=1",
        "pkg[a é",
        "pkg[a-]",
        "foo; python_version == '3' é",
        "foo @ https://example.org/x.whl ; os_name == 'a' é",
        deep.as_str(),
    ];
    for text in cases {
        let message = parse(&format!("fine\n{text}\n")).unwrap_err().to_string();
        assert!(
            message.starts_with("requirements.txt:2: invalid requirement `"),
            "{message}"
        );
        let message = parse_requirement_arg(text, false).unwrap_err().to_string();
        assert!(
            message.starts_with("command line: invalid requirement `"),
            "{message}"
        );
    }
    let message = parse_requirement_arg("foo-é", false)
        .unwrap_err()
        .to_string();
    assert!(message.contains("non-ASCII character `é`"), "{message}");
    let message = parse_requirement_arg(&deep, false).unwrap_err().to_string();
    assert!(message.contains("more than 100 levels"), "{message}");
}

#[test]
fn control_characters_in_requirements_are_escaped_in_errors() {
    let message = parse_requirement_arg("foo\u{1b}[2J>=1", false)
        .unwrap_err()
        .to_string();
    assert!(!message.contains('\u{1b}'), "{message}");
    assert!(
        message.starts_with("command line: invalid requirement `foo\\u{1b}[2J>=1`: "),
        "{message}"
    );
}
