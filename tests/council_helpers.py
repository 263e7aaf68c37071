"""Small councils written to a temporary folder, with calendars from event lists."""

from __future__ import annotations

from pathlib import Path


def ics(*events: tuple[str, ...]) -> str:
    """A calendar of (uid, start, end[, CDO busy status]) events in Europe/Stockholm local
    time (YYYYMMDDTHHMMSS)."""
    body = "".join(f"BEGIN:VEVENT\r\nUID:{e[0]}\r\nDTSTART;TZID=Europe/Stockholm:{e[1]}\r\n"
                   f"DTEND;TZID=Europe/Stockholm:{e[2]}\r\n"
                   + (f"X-MICROSOFT-CDO-BUSYSTATUS:{e[3]}\r\n" if len(e) > 3 else "")
                   + "END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


def council(tmp_path: Path, parties: list[dict[str, object]], extra: str = "") -> Path:
    """Write council.toml: parties as {id, travel, members: [(name, role, calendar text|None)]}."""
    lines = ['name = "Testrådet"', 'timezone = "Europe/Stockholm"', extra, ""]
    for party in parties:
        lines += ["[[parties]]", f'id = "{party["id"]}"', f'travel = "{party.get("travel", "0m")}"', ""]
        for n, (name, role, calendar) in enumerate(party["members"]):  # type: ignore[arg-type]
            lines += ["[[parties.members]]", f'name = "{name}"', f'role = "{role}"']
            if calendar is not None:
                file = tmp_path / f"{party['id']}-{n}.ics"
                file.write_text(calendar)
                lines.append(f'calendar = "{file.name}"')
            lines.append("")
    path = tmp_path / "council.toml"
    path.write_text("\n".join(lines))
    return path
