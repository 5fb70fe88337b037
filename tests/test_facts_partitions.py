"""Partition sizes from /proc/partitions, lsblk -b -J and sfdisk -d, always in bytes."""

from __future__ import annotations

from elastix_halint.parsing.facts import lsblk, partitions, sfdisk
from facts_helpers import SAMPLES_DIR, errors, load_data, parse_text


def test_proc_partitions_in_kib_blocks():
    r = partitions.load(str(SAMPLES_DIR / "voipserver.drbd/proc/partitions"), "proc/partitions")
    sizes = {p.name: p.size_bytes for p in r.model.partitions}
    assert r.ok and sizes["sda3"] == 428919435 * 1024 and sizes["drbd0"] < sizes["sda3"]
    assert r.model.by_name()["sda3"].span.line == 6


def test_proc_partitions_bad_line():
    r = parse_text(partitions, "major minor  #blocks  name\n\n   8  0  12x sda\n   8  1  100 sda1\n")
    assert [d.span.line for d in errors(r)] == [3] and [p.name for p in r.model.partitions] == ["sda1"]


def test_lsblk_old_json_with_string_sizes_and_nested_children():
    r = load_data(lsblk, "lsblk-util-linux-2.32.json")
    sizes = {p.name: p.size_bytes for p in r.model.partitions}
    assert r.ok and sizes == {"sda": 500107862016, "sda1": 52427901952, "sda2": 8463812608,
                              "sda3": 439213501440, "drbd0": 439199612928}
    assert r.model.by_name()["sda3"].span.line == 7


def test_lsblk_new_json_with_numbers():
    r = load_data(lsblk, "lsblk-util-linux-2.38.json")
    assert {p.name: p.size_bytes for p in r.model.partitions} == {"vda": 21474836480, "vda1": 21473787904}
    assert r.model.by_name()["vda1"].span.line == 15


def test_lsblk_human_sizes_ask_for_b():
    r = parse_text(lsblk, '{"blockdevices": [{"name": "sda", "size": "465.8G"}]}')
    assert not r.ok and "-b" in r.diagnostics[0].hint


def test_lsblk_broken_json_points_at_the_line():
    r = parse_text(lsblk, '{"blockdevices": [\n  {"name": "sda",,}\n]}')
    assert r.model is None and r.diagnostics[0].span.line == 2


def test_sfdisk_213_dump_skips_empty_slots():
    r = load_data(sfdisk, "sfdisk-2.13.txt")
    sizes = {p.name: p.size_bytes for p in r.model.partitions}
    assert r.ok and sizes == {"sda1": 102398247 * 512, "sda2": 16530885 * 512, "sda3": 857838870 * 512}


def test_sfdisk_gpt_dump_uses_its_sector_size():
    r = load_data(sfdisk, "sfdisk-2.33-gpt.txt")
    sizes = {p.name: p.size_bytes for p in r.model.partitions}
    assert r.ok and sizes == {"nvme0n1p1": 1048576 * 4096, "nvme0n1p2": 104857600 * 4096}


def test_sfdisk_partition_without_size():
    r = parse_text(sfdisk, "unit: sectors\n\n/dev/sda1 : start=63, Id=83\n")
    assert [d.span.line for d in errors(r)] == [3]
