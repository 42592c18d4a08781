//! `extract_sdist`: normal archives unpack; malicious ones are refused with nothing written
//! outside the destination, and nothing left behind (no destination, no temporary directory).
//! `stage_sdist_from`, the same for a tarball read as it downloads, refuses them alike.

use std::io::{Read, Write};
use std::path::Path;

use den_build::{BuildError, can_stream, extract_sdist, extract_sdist_within, stage_sdist_from};
use den_test_support::SdistBuilder;
use flate2::Compression;
use flate2::write::GzEncoder;
use tar::{EntryType, Header};

/// One raw tar member: name, type, contents, link target.
struct Member<'a> {
    name: &'a str,
    kind: EntryType,
    data: &'a [u8],
    link: Option<&'a str>,
}

fn file<'a>(name: &'a str, data: &'a [u8]) -> Member<'a> {
    Member {
        name,
        kind: EntryType::Regular,
        data,
        link: None,
    }
}

fn link<'a>(name: &'a str, kind: EntryType, target: &'a str) -> Member<'a> {
    Member {
        name,
        kind,
        data: b"",
        link: Some(target),
    }
}

/// Writes a `.tar.gz` with raw header names (the tar crate's checked setters refuse `..`).
fn tar_gz(dir: &Path, members: &[Member<'_>]) -> std::path::PathBuf {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for member in members {
        let mut header = Header::new_old();
        let old = header.as_old_mut();
        old.name[..member.name.len()].copy_from_slice(member.name.as_bytes());
        if let Some(target) = member.link {
            old.linkname[..target.len()].copy_from_slice(target.as_bytes());
        }
        header.set_entry_type(member.kind);
        header.set_mode(0o755);
        header.set_size(member.data.len() as u64);
        header.set_cksum();
        builder.append(&header, member.data).unwrap();
    }
    let mut gz = builder.into_inner().unwrap();
    gz.flush().unwrap();
    let path = dir.join("evil-1.0.tar.gz");
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    path
}

/// A reader that hands out what `0` reads in pieces of at most 509 bytes, as a download's
/// chunks arrive: no piece boundary falls where a tar block or member does.
struct Trickle<R>(R);

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let len = buf.len().min(509);
        self.0.read(&mut buf[..len])
    }
}

/// `archive`'s bytes as they would arrive over the network.
fn arriving(archive: &Path) -> Trickle<std::fs::File> {
    Trickle(std::fs::File::open(archive).unwrap())
}

/// Extracts `members` into `<tmp>/deep/dest` and returns the error, after checking that
/// unpacking them as they arrive ([`stage_sdist_from`]) fails with the same message; checks
/// nothing appeared outside `dest` (in `<tmp>/deep` or `<tmp>`) and nothing was left either
/// way: no `dest`, no temporary directory.
fn refused(members: &[Member<'_>]) -> BuildError {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tar_gz(tmp.path(), members);
    let dest = tmp.path().join("deep").join("dest");
    let err = extract_sdist(&archive, &dest).unwrap_err();
    let streamed = stage_sdist_from(arriving(&archive), &archive, &dest).unwrap_err();
    assert_eq!(streamed.to_string(), err.to_string());
    let outside = names(tmp.path());
    assert!(
        outside == ["evil-1.0.tar.gz"] || outside == ["deep", "evil-1.0.tar.gz"],
        "{outside:?}"
    );
    if outside.len() == 2 {
        assert_eq!(names(&tmp.path().join("deep")), [] as [&str; 0]);
    }
    err
}

/// The sorted names in `dir`.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn assert_unsafe(err: BuildError, member: &str, reason: &str) {
    match &err {
        BuildError::UnsafeArchive {
            member: m,
            reason: r,
            ..
        } => {
            assert_eq!(m, member);
            assert!(r.contains(reason), "{r}");
        }
        other => panic!("expected UnsafeArchive, got {other}"),
    }
    assert!(err.to_string().contains("refusing to unpack"), "{err}");
}

#[test]
fn unpacks_an_sdist_and_returns_its_top_level_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = SdistBuilder::new("Nice.Pkg", "1.0").build(tmp.path());
    let root = extract_sdist(&archive, &tmp.path().join("out")).unwrap();
    assert_eq!(root, tmp.path().join("out").join("nice_pkg-1.0"));
    assert!(root.join("PKG-INFO").is_file());
    assert!(root.join("pyproject.toml").is_file());
    assert!(root.join("nice_pkg/__init__.py").is_file());
}

#[test]
fn a_tarball_unpacked_as_it_arrives_stays_staged_until_finished() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = SdistBuilder::new("Nice.Pkg", "1.0").build(tmp.path());
    let dest = tmp.path().join("deep").join("out");
    let staged = stage_sdist_from(arriving(&archive), &archive, &dest).unwrap();
    assert!(!dest.exists(), "nothing is in place before it is finished");
    let staging = names(&tmp.path().join("deep"));
    assert!(
        staging.len() == 1 && staging[0].starts_with(".den-sdist-"),
        "{staging:?}"
    );
    let root = staged.finish().unwrap();
    assert_eq!(root, dest.join("nice_pkg-1.0"));
    assert!(root.join("PKG-INFO").is_file());
    assert!(root.join("nice_pkg/__init__.py").is_file());
    assert_eq!(names(&tmp.path().join("deep")), ["out"]);

    // Dropped unfinished (the archive failed its hashes), the staged tree is removed.
    let other = tmp.path().join("other");
    drop(stage_sdist_from(arriving(&archive), &archive, &other).unwrap());
    assert!(!other.exists());
    assert_eq!(names(&tmp.path().join("deep")), ["out"]);
    assert_eq!(names(tmp.path()), ["deep", "nice_pkg-1.0.tar.gz"]);
}

#[test]
fn a_tarball_cut_short_as_it_arrives_is_refused_and_nothing_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let sdist = SdistBuilder::new("pkg", "1.0").file("pkg/data.txt", &[b'x'; 100_000]);
    let archive = sdist.build(tmp.path());
    let bytes = std::fs::read(&archive).unwrap();
    let half = &bytes[..bytes.len() / 2];
    let dest = tmp.path().join("out");
    let err = stage_sdist_from(Trickle(half), &archive, &dest).unwrap_err();
    assert_eq!(names(tmp.path()), ["pkg-1.0.tar.gz"]);
    // As the saved half would be refused (a member cut short).
    std::fs::write(&archive, half).unwrap();
    let from_file = extract_sdist(&archive, &dest).unwrap_err();
    let unstaged = |err: BuildError| {
        let text = err.to_string();
        match text.split_once(".den-sdist-") {
            Some((head, tail)) => format!("{head}.den-sdist-*{}", &tail[6..]),
            None => text,
        }
    };
    // The archive's fault, said of the member, not a failure to write the staged file.
    let text = from_file.to_string();
    assert!(
        text.contains("cannot read the archive")
            && text.contains("` cannot be read: ")
            && !text.contains("cannot write"),
        "{text}"
    );
    assert_eq!(unstaged(err), unstaged(from_file));
    assert_eq!(names(tmp.path()), ["pkg-1.0.tar.gz"]);
}

#[test]
fn only_tarballs_unpack_as_they_arrive() {
    assert!(can_stream(".tar.gz") && can_stream(".tgz"));
    assert!(!can_stream(".zip") && !can_stream(".tar.bz2") && !can_stream(".tar.xz"));
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("z-1.0.zip");
    let err = stage_sdist_from(&b""[..], &zip, &tmp.path().join("out")).unwrap_err();
    assert!(
        matches!(err, BuildError::UnsupportedArchive { .. }),
        "{err}"
    );
    assert_eq!(names(tmp.path()), [] as [&str; 0]);
}

#[test]
fn a_flat_archive_unpacks_into_the_destination_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tar_gz(
        tmp.path(),
        &[file("setup.py", b"print()\n"), file("./pkg/a.py", b"")],
    );
    let dest = tmp.path().join("flat");
    assert_eq!(extract_sdist(&archive, &dest).unwrap(), dest);
    assert!(dest.join("setup.py").is_file());
    assert!(dest.join("pkg/a.py").is_file());
}

#[test]
fn keeps_links_that_stay_inside() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tar_gz(
        tmp.path(),
        &[
            file("p-1/real.txt", b"data"),
            link("p-1/sub/link.txt", EntryType::Symlink, "../real.txt"),
            link("p-1/hard.txt", EntryType::Link, "p-1/real.txt"),
        ],
    );
    let root = extract_sdist(&archive, &tmp.path().join("out")).unwrap();
    assert_eq!(std::fs::read(root.join("sub/link.txt")).unwrap(), b"data");
    assert_eq!(std::fs::read(root.join("hard.txt")).unwrap(), b"data");
}

#[test]
fn refuses_parent_directory_members() {
    let err = refused(&[file("p-1/ok.txt", b"ok"), file("../x", b"escaped")]);
    assert_unsafe(err, "../x", "..");
    let err = refused(&[file("p-1/../../x", b"escaped")]);
    assert_unsafe(err, "p-1/../../x", "..");
}

#[test]
fn refuses_absolute_members() {
    let err = refused(&[file("/abs", b"escaped")]);
    assert_unsafe(err, "/abs", "absolute");
}

#[test]
fn refuses_symlinks_pointing_outside() {
    let err = refused(&[
        link("p-1/etc", EntryType::Symlink, "/etc"),
        file("p-1/etc/den-test", b"escaped"),
    ]);
    assert_unsafe(err, "p-1/etc", "absolute");
    let err = refused(&[link("p-1/up", EntryType::Symlink, "../../..")]);
    assert_unsafe(err, "p-1/up", "outside");
    let err = refused(&[link("p-1/hard", EntryType::Link, "../outside")]);
    assert_unsafe(err, "p-1/hard", "outside");
}

#[test]
fn never_writes_through_a_symlink_the_archive_made() {
    // `p/l -> ..` stays inside; `p/l/m -> ..` looks inside lexically but would resolve to the
    // destination's parent, so writing below `p/l` is refused.
    let err = refused(&[
        link("p/l", EntryType::Symlink, ".."),
        link("p/l/m", EntryType::Symlink, ".."),
        file("p/l/m/escaped", b"escaped"),
    ]);
    assert_unsafe(err, "p/l/m", "through a symlink");
}

#[test]
fn refuses_links_that_escape_through_other_links() {
    // Each target is inside lexically (`p/a/../s/..` is `p`), but `p/s -> ..` makes the chain
    // resolve to the destination's parent; a hard link to `p/s/x` would share an inode with a
    // file outside.
    let err = refused(&[
        link("p/s", EntryType::Symlink, ".."),
        file("p/a/keep", b"kept"),
        link("p/a/t", EntryType::Symlink, "../s/.."),
    ]);
    assert_unsafe(err, "p/a/t", "through other links");
    let err = refused(&[
        link("p/s", EntryType::Symlink, ".."),
        link("p/h", EntryType::Link, "p/s/outside"),
    ]);
    assert_unsafe(err, "p/h", "through a symlink");
}

#[test]
fn a_hard_link_must_name_a_file_unpacked_before_it() {
    for members in [
        // The file it names comes later (tar stores the file first).
        &[
            link("p-1/hard.txt", EntryType::Link, "p-1/real.txt"),
            file("p-1/real.txt", b"data"),
        ][..],
        // It names a directory, or nothing.
        &[
            file("p-1/real.txt", b"data"),
            link("p-1/hard", EntryType::Link, "p-1"),
        ][..],
        &[link("p-1/hard", EntryType::Link, "p-1/missing")][..],
    ] {
        let err = refused(members);
        assert!(
            matches!(err, BuildError::Archive { .. })
                && err.to_string().contains("is a hard link to")
                && err.to_string().contains("not a file unpacked before it"),
            "{err}"
        );
    }
}

#[test]
fn refuses_device_files() {
    let err = refused(&[Member {
        name: "p-1/dev",
        kind: EntryType::Char,
        data: b"",
        link: None,
    }]);
    assert_unsafe(err, "p-1/dev", "device");
}

#[test]
fn unpacks_zip_sdists_and_refuses_unknown_formats() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("z-1.0.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("z-1.0/setup.py", options).unwrap();
    zip.write_all(b"print()\n").unwrap();
    zip.finish().unwrap();
    let root = extract_sdist(&path, &tmp.path().join("out")).unwrap();
    assert!(root.join("setup.py").is_file());

    let bad = tmp.path().join("evil.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&bad).unwrap());
    zip.start_file("../evil.txt", options).unwrap();
    zip.finish().unwrap();
    let err = extract_sdist(&bad, &tmp.path().join("out2")).unwrap_err();
    assert!(matches!(err, BuildError::UnsafeArchive { .. }), "{err}");
    assert!(!tmp.path().join("evil.txt").exists());

    let other = tmp.path().join("x-1.0.tar.bz2");
    std::fs::write(&other, b"").unwrap();
    let err = extract_sdist(&other, &tmp.path().join("out3")).unwrap_err();
    assert!(
        matches!(err, BuildError::UnsupportedArchive { .. }),
        "{err}"
    );
    let corrupt = tmp.path().join("y-1.0.tar.gz");
    std::fs::write(&corrupt, b"not gzip").unwrap();
    let err = extract_sdist(&corrupt, &tmp.path().join("out4")).unwrap_err();
    assert!(matches!(err, BuildError::Archive { .. }), "{err}");
}

#[test]
fn a_tar_over_the_ceiling_is_refused_and_nothing_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let big = vec![0u8; 600 * 1024];
    let archive = tar_gz(
        tmp.path(),
        &[file("p-1/a.bin", &big), file("p-1/b.bin", &big)],
    );
    // `a.bin` fits and is written; `b.bin` takes the total over the ceiling.
    let dest = tmp.path().join("deep").join("dest");
    let err = extract_sdist_within(&archive, &dest, 1 << 20).unwrap_err();
    assert!(
        matches!(err, BuildError::TooLarge { size, limit, .. } if size == 1_228_800 && limit == 1 << 20),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("evil-1.0.tar.gz") && text.contains("DEN_MAX_UNPACKED_SIZE"),
        "{text}"
    );
    assert_eq!(names(&tmp.path().join("deep")), [] as [&str; 0]);
    // Within the ceiling it unpacks.
    extract_sdist_within(&archive, &dest, 2 << 20).unwrap();
    assert_eq!(
        std::fs::metadata(dest.join("p-1/b.bin")).unwrap().len(),
        600 * 1024
    );
    assert_eq!(names(&tmp.path().join("deep")), ["dest"]);
}

#[test]
fn an_archive_refused_midway_leaves_nothing_behind() {
    // Good members are unpacked before the bad one is read; none of them is kept.
    let err = refused(&[
        file("p-1/setup.py", b"print()\n"),
        file("p-1/pkg/__init__.py", b""),
        link("p-1/pkg/same.py", EntryType::Link, "p-1/pkg/__init__.py"),
        link("p-1/docs", EntryType::Symlink, "pkg"),
        file("p-1/../../escaped", b"escaped"),
        file("p-1/late.txt", b"never read"),
    ]);
    assert_unsafe(err, "p-1/../../escaped", "..");
}

#[test]
fn unpacks_into_an_existing_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = SdistBuilder::new("pkg", "1.0").build(tmp.path());
    let dest = tmp.path().join("out");
    std::fs::create_dir(&dest).unwrap();
    let root = extract_sdist(&archive, &dest).unwrap();
    assert_eq!(root, dest.join("pkg-1.0"));
    assert!(root.join("PKG-INFO").is_file());
    assert_eq!(names(&dest), ["pkg-1.0"]);
    assert!(
        !names(tmp.path())
            .iter()
            .any(|n| n.starts_with(".den-sdist-"))
    );
}

#[test]
fn refuses_a_destination_that_is_not_an_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = SdistBuilder::new("pkg", "1.0").build(tmp.path());
    let dest = tmp.path().join("out");
    std::fs::create_dir(&dest).unwrap();
    std::fs::write(dest.join("keep.txt"), b"mine").unwrap();
    let file = tmp.path().join("file");
    std::fs::write(&file, b"mine").unwrap();
    for dest in [&dest, &file] {
        let err = extract_sdist(&archive, dest).unwrap_err();
        assert!(
            matches!(err, BuildError::Io(_)) && err.to_string().contains("not an empty directory"),
            "{err}"
        );
    }
    assert_eq!(names(&dest), ["keep.txt"]);
    assert_eq!(std::fs::read(&file).unwrap(), b"mine");
    assert!(
        !names(tmp.path())
            .iter()
            .any(|n| n.starts_with(".den-sdist-"))
    );
}

/// A `.zip` sdist with one deflated member `z-1.0/a.bin` of `size` zero bytes, plus `copies`
/// central-directory entries sharing its stored bytes.
fn zip_sdist(dir: &Path, size: usize, copies: &[&str]) -> std::path::PathBuf {
    let path = dir.join("z-1.0.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("z-1.0/a.bin", options).unwrap();
    zip.write_all(&vec![0u8; size]).unwrap();
    for copy in copies {
        zip.shallow_copy_file("z-1.0/a.bin", copy).unwrap();
    }
    zip.finish().unwrap();
    path
}

#[test]
fn a_zip_with_overlapping_entries_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = zip_sdist(tmp.path(), 4 << 20, &["z-1.0/b.bin", "z-1.0/c.bin"]);
    let dest = tmp.path().join("dest");
    let err = extract_sdist(&archive, &dest).unwrap_err();
    assert!(
        matches!(err, BuildError::Archive { .. }) && err.to_string().contains("Overlapped entries"),
        "{err}"
    );
    assert!(!dest.exists());
}

#[test]
fn a_zip_over_the_ceiling_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = zip_sdist(tmp.path(), 2 << 20, &[]);
    let dest = tmp.path().join("deep").join("dest");
    let err = extract_sdist_within(&archive, &dest, 1 << 20).unwrap_err();
    assert!(
        matches!(err, BuildError::TooLarge { size, .. } if size == 2 << 20),
        "{err}"
    );
    assert!(!tmp.path().join("deep").exists(), "nothing was created");
}

#[test]
fn a_zip_member_longer_than_declared_is_refused_and_nothing_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = zip_sdist(tmp.path(), 4 << 20, &[]);
    // Declare 1000 bytes in the local header (offset 22) and central directory (offset 24).
    let mut bytes = std::fs::read(&archive).unwrap();
    let real = (4u32 << 20).to_le_bytes();
    let mut patched = 0;
    for (signature, offset) in [(*b"PK\x03\x04", 22), (*b"PK\x01\x02", 24)] {
        let at = bytes.windows(4).position(|w| w == signature).unwrap() + offset;
        if bytes[at..at + 4] == real {
            bytes[at..at + 4].copy_from_slice(&1000u32.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2);
    std::fs::write(&archive, bytes).unwrap();
    let dest = tmp.path().join("dest");
    let err = extract_sdist(&archive, &dest).unwrap_err();
    assert!(
        matches!(err, BuildError::Archive { .. }) && err.to_string().contains("z-1.0/a.bin"),
        "{err}"
    );
    assert!(!dest.exists(), "the partial tree is removed");
    assert_eq!(names(tmp.path()), ["z-1.0.zip"]);
}

/// An sdist's `PKG-INFO` is read from the archive without unpacking it (PEP 643 static
/// metadata): found where sdists put it (one directory deep), its metadata used when static,
/// `None` when a resolution field is `Dynamic`, and only the start of the archive read: a
/// tarball cut short after its first members still gives it, though it cannot be unpacked.
#[test]
fn pkg_info_is_read_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let sdist = SdistBuilder::new("gamma", "1.5")
        .metadata_version("2.2")
        .requires_dist("beta>=1")
        .file("gamma/__init__.py", &[b'#'; 200_000]);
    let archive = sdist.build(dir.path());
    let bytes = den_build::archived_pkg_info(&archive).unwrap().unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("Requires-Dist: beta>=1"));
    let metadata = den_build::static_sdist_metadata(&archive).unwrap().unwrap();
    assert_eq!(metadata.requires_dist.len(), 1);

    let full = sdist.build_bytes();
    let cut = dir.path().join("cut").join(sdist.filename());
    std::fs::create_dir_all(cut.parent().unwrap()).unwrap();
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    assert!(extract_sdist(&cut, &dir.path().join("unpacked")).is_err());
    let metadata = den_build::static_sdist_metadata(&cut).unwrap().unwrap();
    assert_eq!(metadata.version.to_string(), "1.5");

    let dynamic = SdistBuilder::new("delta", "1.0")
        .metadata_version("2.2")
        .dynamic("Requires-Dist")
        .build(&dir.path().join("dynamic"));
    assert!(den_build::archived_pkg_info(&dynamic).unwrap().is_some());
    assert!(
        den_build::static_sdist_metadata(&dynamic)
            .unwrap()
            .is_none()
    );
    let old = SdistBuilder::new("epsilon", "1.0").build(&dir.path().join("old"));
    assert!(den_build::static_sdist_metadata(&old).unwrap().is_none());
}
