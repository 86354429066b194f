"""The configuration profiles tcpwave and tcpwave-fast (profiles/, made at build time in build/profiles).

- tcpwave: the packet list shows role, step and both endpoints' states by
  name, and the coloring rules mark handshakes, the kinds of close, resets
  and refused connections.  Expected values: the seed's listing as
  /work/shared/SEMANTICS.md's worked examples tabulate it, and the segments
  of the crafted and kernel captures as their READMEs describe them.
- tcpwave-fast: every protocol the lifecycle does not need is disabled; on
  every capture of pcaps/ and of the shared corpus, -z tcpwave,stat,
  -z tcpwave,conv and the per-segment tcpwave fields are what they are with
  every protocol enabled.

The profiles are found as a user finds an installed one: tshark -C NAME
reads <personal configuration>/profiles/NAME, here a HOME made for these
tests with the build's profiles copied in.  (An installed profile lives in
the global folder, which tshark copies to the personal one on first use:
test_install_paths.)
"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import CORPUS, PCAPS, ROOT, STATES, corpus_or_skip

CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".bin")

# Captures on which the fast profile gives another answer than full
# dissection, each with the reason it is accepted rather than fixed by a
# carrier added to profiles/fast-keep.txt.  Paths relative to pcaps/ or to the
# corpus folder.  A listed capture that gives the same answer fails the test:
# the entry is stale.
ALLOWED_DIFFERENCES = {
    # No capture today: the carriers the corpus needed (ARCNET, the sampled
    # headers of sFlow) are in the keep list.
}

FIELDS = ("frame.number", "tcp.stream", "tcpwave.state.client", "tcpwave.state.server", "tcpwave.role",
          "tcpwave.step")


def build_dir():
    if os.environ.get("TCPWAVE_BUILD_DIR"):
        return Path(os.environ["TCPWAVE_BUILD_DIR"])
    return Path(os.environ.get("TCPWAVE_PLUGIN_DIR", str(ROOT / "build" / "plugins"))).parent


@pytest.fixture(scope="module")
def profiles():
    d = build_dir() / "profiles"
    for name in ("tcpwave", "tcpwave-fast"):
        if not (d / name / "preferences").is_file():
            pytest.fail(f"{d / name} missing: build the `profiles` target (cmake --build build)")
    return d


@pytest.fixture(scope="module")
def home(profiles):
    """A HOME whose personal profiles folder holds the build's two profiles,
    readable by nobody (tshark runs as nobody when the tests run as root)."""
    h = Path(tempfile.mkdtemp(prefix="tcpwave-profiles-home-"))
    target = h / ".config" / "wireshark" / "profiles"
    for name in ("tcpwave", "tcpwave-fast"):
        shutil.copytree(profiles / name, target / name)
    for root, dirs, files in os.walk(h):
        os.chmod(root, 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    yield str(h)
    shutil.rmtree(h, ignore_errors=True)


def run(tshark, home, *args, profile=None, check=True):
    return tshark.run(*(["-C", profile] if profile else []), *args, check=check, extra_env={"HOME": home})


# ---- the tcpwave profile ----------------------------------------------------

# The seed's three-way listing (pcaps/seed/seed-three-way.pcap): who sends,
# the segment's role (docs/fields.md names), its step, and the client's and
# server's states after it, as SEMANTICS.md tabulates the seed's listings
# (the handshake rows are the same in both listings; rows 4-6 are the
# three-way close, where the server, port 12456, closes first).
SEED_THREE_WAY = [
    (25541, 12456, "SYN", "handshake 1/3", "SYN_SENT", "SYN_RECV"),
    (12456, 25541, "SYN-ACK", "handshake 2/3", "ESTABLISHED", "SYN_RECV"),
    (25541, 12456, "handshake ACK", "handshake 3/3", "ESTABLISHED", "ESTABLISHED"),
    (12456, 25541, "first FIN", "close 1/3", "CLOSE_WAIT", "FIN_WAIT1"),
    (25541, 12456, "FIN+ACK", "close 2/3", "LAST_ACK", "TIME_WAIT"),
    (12456, 25541, "final ACK", "close 3/3", "CLOSED", "TIME_WAIT"),
]


def summary_row(frame, sport, dport, role, step, client, server):
    """A packet-list line of the tcpwave profile: No., Time, Source, Port,
    Destination, Port, Role, Step, Client state, Server state, Info (TCP's
    own, which starts with the ports)."""
    return re.compile(rf"^\s*{frame}\s+\S+\s+127\.0\.0\.1\s+{sport}\s+127\.0\.0\.1\s+{dport}\s+"
                      rf"{re.escape(role)}\s+{re.escape(step)}\s+{client}\s+{server}\s+{sport} → {dport} ")


def test_seed_columns_two_pass(tshark, home):
    """tshark -C tcpwave -2 prints the seed's listing with the role, step and
    both states as names, as the GUI (which reads the whole file first) shows it."""
    lines = run(tshark, home, "-2", "-r", PCAPS / "seed" / "seed-three-way.pcap", profile="tcpwave").stdout.splitlines()
    assert len(lines) == len(SEED_THREE_WAY), lines
    for n, (line, row) in enumerate(zip(lines, SEED_THREE_WAY), 1):
        assert summary_row(n, *row).search(line), f"frame {n}: {line!r}, expected {row}"


def test_profile_computes_zeek_and_hosts_in_two_passes(tshark, home):
    """The GUI profile turns on Zeek's view and the per-host counts, which
    the first pass otherwise computes only when something asks as the file is
    read: in two passes (the GUI, tshark -2) their fields are there.  Zeek's
    values are tests/expected/zeek.tsv's row for this capture; the closer
    (the client, which sent the first FIN) holds one TIME_WAIT socket."""
    pcap = PCAPS / "kernel" / "four_way_close.pcap"
    r = run(tshark, home, "-2", "-r", pcap, "-T", "fields", "-e", "tcpwave.zeek.conn_state", "-e",
            "tcpwave.zeek.history", "-e", "tcpwave.host.time_wait", profile="tcpwave")
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert rows and all(row[:2] == ["SF", "ShADaFf"] for row in rows), rows
    assert "1" in {row[2] for row in rows}, rows
    assert "not computed" not in r.stderr, r.stderr


def test_seed_columns_one_pass(tshark, home):
    """A single pass (tshark -C tcpwave, live capture) knows every state of
    the seed when it prints the segment: the names are the same."""
    lines = run(tshark, home, "-r", PCAPS / "seed" / "seed-three-way.pcap", profile="tcpwave").stdout.splitlines()
    assert len(lines) == len(SEED_THREE_WAY), lines
    for n, (line, (sport, dport, role, _step, client, server)) in enumerate(zip(lines, SEED_THREE_WAY), 1):
        assert re.search(rf"\s{sport}\s+127\.0\.0\.1\s+{dport}\s+{re.escape(role)}\s.*\s{client}\s+{server}\s+"
                         rf"{sport} → {dport} ", line), f"frame {n}: {line!r}"


def test_no_tcpwave_text_in_info(tshark, home):
    """The states have their columns: the Info column is TCP's alone, without
    the text tcpwave.info_column appends ("[close 1/4: first FIN | client STATE, server STATE]")."""
    out = run(tshark, home, "-2", "-r", PCAPS / "kernel" / "four_way_close.pcap", profile="tcpwave").stdout
    assert len(out.splitlines()) == 9 and "| client " not in out and ", server " not in out, out
    with_text = run(tshark, home, "-2", "-r", PCAPS / "kernel" / "four_way_close.pcap", "-o", "tcpwave.info_column:TRUE",
                    profile="tcpwave").stdout
    assert "| client " in with_text and ", server " in with_text, with_text


# The coloring rules: for each capture, the rule of every frame, from what
# its segments are (pcaps/*/README.md): handshake frames, the frames of each
# kind of close, the reset and the refused connection's RST.
HANDSHAKE = "tcpwave: handshake"
COLORS = {
    "seed/seed-three-way.pcap": [HANDSHAKE] * 3 + ["tcpwave: three-way close (FIN+ACK merged)"] * 3,
    "kernel/four_way_close.pcap": [HANDSHAKE] * 3 + [None, None] + ["tcpwave: four-way close"] * 4,
    "crafted/refused.pcap": [HANDSHAKE, "tcpwave: refused connection (RST in answer to the SYN)"],
    "crafted/reset-established.pcap": [HANDSHAKE] * 3 + [None] * 3 + ["tcpwave: reset"],
    "crafted/simultaneous-close.pcap": [HANDSHAKE] * 3 + [None] * 3 + ["tcpwave: simultaneous close"] * 4,
}


@pytest.mark.parametrize("capture", sorted(COLORS))
def test_coloring_rules(tshark, home, capture):
    out = run(tshark, home, "--color", "-2", "-r", PCAPS / capture, "-T", "fields", "-e", "frame.coloring_rule.name",
              profile="tcpwave").stdout.splitlines()
    expected = COLORS[capture]
    assert len(out) == len(expected), out
    for n, (got, want) in enumerate(zip(out, expected), 1):
        if want is None:
            # Data and plain ACKs keep Wireshark's default rules (TCP, or Bad TCP).
            assert not got.startswith("tcpwave:"), f"frame {n}: {got!r}"
        else:
            assert got == want, f"frame {n}: {got!r}, expected {want!r}"


# ---- the tcpwave-fast profile: the same answer ------------------------------

def captures(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in CAPTURE_SUFFIXES)


def answer(tshark, home, capture, profile):
    """(exit status, per-segment fields and both statistics tables), and the
    protocols the frames were dissected as (frame.protocols, kept apart)."""
    args = ["-r", capture, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in (*FIELDS, "frame.protocols"):
        args += ["-e", f]
    p = run(tshark, home, *args, "-z", "tcpwave,stat", "-z", "tcpwave,conv", profile=profile, check=False)
    lines = p.stdout.split("\n")
    # Field lines come first and are never empty (frame.number); the
    # statistics follow after an empty line.
    n = next((i for i, l in enumerate(lines) if not l or l.startswith("=")), len(lines))
    protocols = set()
    fields = []
    for line in lines[:n]:
        head, _, protos = line.rpartition("\t")
        protocols.update(protos.split(":"))
        fields.append(head)
    return (p.returncode, fields, lines[n:]), protocols


def first_difference(a, b):
    if a[0] != b[0]:
        return f"exit status {a[0]} / {b[0]}"
    for part, x, y in (("fields", a[1], b[1]), ("statistics", a[2], b[2])):
        for i, (l1, l2) in enumerate(zip(x, y)):
            if l1 != l2:
                return f"{part} line {i + 1}: {l1!r} / {l2!r}"
        if len(x) != len(y):
            return f"{part}: {len(x)} / {len(y)} lines"
    return None


def compare(tshark, home, folder):
    """Every capture of folder with and without -C tcpwave-fast, two at a time
    (the machine has 2 cores).  Returns ({relative path: first difference},
    protocols seen with every protocol on, protocols seen with the fast profile)."""
    def one(capture):
        full, full_protocols = answer(tshark, home, capture, None)
        fast, fast_protocols = answer(tshark, home, capture, "tcpwave-fast")
        return str(capture.relative_to(folder)), first_difference(full, fast), full_protocols, fast_protocols

    files = captures(folder)
    assert files, f"no captures in {folder}"
    differences, seen_full, seen_fast = {}, set(), set()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        for name, diff, full_protocols, fast_protocols in pool.map(one, files):
            if diff:
                differences[name] = diff
            seen_full |= full_protocols
            seen_fast |= fast_protocols
    return differences, seen_full, seen_fast


def disabled(profiles):
    return {l.strip() for l in (profiles / "tcpwave-fast" / "disabled_protos").read_text().splitlines()
            if l.strip() and not l.startswith("#")}


def check_same_answer(differences, folder):
    unexplained = {k: v for k, v in differences.items() if k not in ALLOWED_DIFFERENCES}
    stale = [k for k in ALLOWED_DIFFERENCES if (folder / k).exists() and k not in differences]
    assert not unexplained, ("tcpwave-fast answers differently on (a carrier missing from profiles/fast-keep.txt?):\n"
                             + "\n".join(f"  {k}: {v}" for k, v in sorted(unexplained.items())))
    assert not stale, f"listed in ALLOWED_DIFFERENCES but the same now: {stale}"


def test_fast_same_answer_pcaps(tshark, home, profiles):
    differences, _, seen_fast = compare(tshark, home, PCAPS)
    check_same_answer(differences, PCAPS)
    assert not seen_fast & disabled(profiles), "dissected although disabled"


def test_fast_same_answer_corpus(tshark, home, profiles):
    if os.environ.get("TCPWAVE_PRELOAD"):
        pytest.skip("an answer comparison, run in the plain suite; the sanitizer run covers the corpus in test_corpus.py")
    corpus_or_skip()
    differences, seen_full, seen_fast = compare(tshark, home, CORPUS)
    check_same_answer(differences, CORPUS)
    off = disabled(profiles)
    assert not seen_fast & off, f"dissected although disabled: {sorted(seen_fast & off)}"
    # The corpus carries HTTP, TLS and DNS: full dissection sees them, the
    # fast profile does not (it would not be faster otherwise).
    assert {"http", "tls", "dns"} <= seen_full & off, sorted(seen_full & off)


# ---- installed where Wireshark looks --------------------------------------------

def global_profiles_dir(tshark):
    folders = tshark.run("-G", "folders").stdout
    m = re.search(r"^Global configuration:\s*(.+)$", folders, re.M)
    assert m, folders
    return Path(m.group(1).strip()) / "profiles"


def test_install_paths(tshark, profiles):
    """cmake --install as root puts both profiles into Wireshark's global
    profiles folder, and the .deb does too; tshark -C then finds them there
    (checked as nobody, with the staged folder mounted over the global one
    in a private mount namespace, so the machine's own folder is untouched)."""
    if os.geteuid() != 0:
        pytest.skip("the global install path is taken as root only")
    build = build_dir()
    gdir = global_profiles_dir(tshark)
    stage = Path(tempfile.mkdtemp(prefix="tcpwave-install-"))
    try:
        subprocess.run(["cmake", "--install", str(build)], env={**os.environ, "DESTDIR": str(stage)}, check=True,
                       capture_output=True)
        staged = stage / gdir.relative_to("/")
        for name in ("tcpwave", "tcpwave-fast"):
            for f in (profiles / name).iterdir():
                assert (staged / name / f.name).read_bytes() == f.read_bytes(), f"{staged / name / f.name}"
        if shutil.which("cpack") and shutil.which("dpkg-deb"):
            debs = stage / "deb"
            subprocess.run(["cpack", "-G", "DEB", "-B", str(debs)], cwd=build, check=True, capture_output=True)
            deb = next(debs.glob("tcpwave_*.deb"))
            listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True).stdout
            for f in ("tcpwave/preferences", "tcpwave/colorfilters", "tcpwave-fast/disabled_protos",
                      "tcpwave-fast/preferences", "tcpwave-fast/colorfilters"):
                assert f".{gdir}/{f}\n" in listing, listing
        if not shutil.which("unshare") or subprocess.run(["unshare", "-m", "true"]).returncode != 0:
            pytest.skip("no private mount namespace here (unshare -m): the staged install was not run")
        home = stage / "home"
        home.mkdir()
        home.chmod(0o777)
        for root, dirs, files in os.walk(stage):
            os.chmod(root, 0o777 if Path(root) == home else 0o755)
        as_nobody = (f"setpriv --reuid=65534 --regid=65534 --clear-groups env PATH=/usr/bin:/bin HOME='{home}' "
                     f"WIRESHARK_PLUGIN_DIR='{tshark.plugin_dir}' WIRESHARK_EXTCAP_DIR='{home}' TZ=UTC {tshark.exe}")
        seed = tshark._arg(PCAPS / "seed" / "seed-three-way.pcap")  # a copy nobody can read (clones in /root)
        cmd = (f"mount --bind '{staged}' '{gdir}' && {as_nobody} -C tcpwave -2 -r '{seed}' && echo --- && "
               f"{as_nobody} -C tcpwave-fast -2 -r '{seed}' -T fields -e tcpwave.state.client -e tcpwave.state.server")
        p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", cmd], capture_output=True,
                           text=True)
        assert p.returncode == 0, p.stderr
        gui, fast = p.stdout.split("---\n")
        lines = gui.splitlines()
        assert len(lines) == len(SEED_THREE_WAY) and all(
            summary_row(n, *row).search(line) for n, (line, row) in enumerate(zip(lines, SEED_THREE_WAY), 1)), lines
        states = {v: k for k, v in STATES.items()}
        assert fast.splitlines() == [f"{states[c]}\t{states[s]}" for *_, c, s in SEED_THREE_WAY], fast
        # tshark found both in the global folder and copied them into the personal one.
        for name in ("tcpwave", "tcpwave-fast"):
            assert (home / ".config" / "wireshark" / "profiles" / name / "preferences").is_file(), name
    finally:
        shutil.rmtree(stage, ignore_errors=True)
