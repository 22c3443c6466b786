"""snmpcodec is neutral and the only codec: both ends import it, it imports neither."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("monitoring", "lab", "inventory", "web", "provisioning", "security", "flask")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_snmpcodec_imports_none_of_the_product_or_the_lab() -> None:
    for path in sorted((ROOT / "snmpcodec").glob("*.py")):
        assert not _imports(path) & set(FORBIDDEN), path.name
    # and at run time: importing the whole codec loads none of them
    code = (
        "import sys, snmpcodec.ber, snmpcodec.usm, snmpcodec.errors; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_poller_and_agent_both_use_it() -> None:
    assert "snmpcodec" in _imports(ROOT / "monitoring/snmp/client.py")
    assert "snmpcodec" in _imports(ROOT / "lab/snmp/agent.py")
    assert "snmpcodec" in _imports(ROOT / "lab/snmp/pdu.py")


def test_no_second_copy_of_the_codec() -> None:
    """No tag constants, encode_integer or USM primitives defined outside snmpcodec."""
    codec_names = {"encode_integer", "encode_length", "tlv", "read_tlv", "encode_v3"}
    codec_names |= {"localize_key", "password_to_key", "usm_encrypt", "usm_decrypt"}
    for package in ("monitoring", "lab", "bench"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.FunctionDef):
                    assert node.name not in codec_names, f"{path}: def {node.name}"
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assert not target.id.startswith("TAG_"), f"{path}: {target.id}"
    assert not (ROOT / "lab/snmp/ber.py").exists()
    assert not (ROOT / "monitoring/snmp/ber.py").exists()


def test_no_stale_words_about_who_imports_whom() -> None:
    for package in ("snmpcodec", "monitoring/snmp", "lab/snmp"):
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text()
            assert "does not import ``lab``" not in text, path
            assert "lab.snmp.ber" not in text and "monitoring.snmp.ber" not in text, path
            assert "lab.snmp.usm" not in text and "monitoring.snmp.usm" not in text, path


def test_the_managers_errors_are_the_codecs_too() -> None:
    from monitoring.errors import MonitoringError
    from monitoring.snmp.errors import SnmpConfigError, SnmpDecodeError
    from snmpcodec import errors as codec

    assert issubclass(SnmpDecodeError, codec.SnmpDecodeError)
    assert issubclass(SnmpDecodeError, MonitoringError)
    assert issubclass(SnmpConfigError, codec.SnmpConfigError)
    assert not issubclass(codec.SnmpCodecError, MonitoringError)
