// Parse an iCalendar feed from stdin with ical.js in strict mode and print its events as JSON.
import ICAL from "ical.js";

ICAL.design.strict = true;
let text = "";
for await (const chunk of process.stdin) text += chunk;
const calendar = new ICAL.Component(ICAL.parse(text));
const zones = new Set(calendar.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid")));
const checked = (component) => {
  for (const property of component.getAllProperties()) {
    property.getValues(); // force every value to parse
    const tzid = property.getParameter("tzid");
    if (tzid && !zones.has(tzid)) throw new Error(`TZID ${tzid} is not defined`);
  }
  return component;
};
// ical.js leaves X- and RFC 7986 properties unparsed; read them as RFC 5545 TEXT.
const text_of = (component, name) => {
  const raw = component.getFirstPropertyValue(name);
  return raw === null ? null : ICAL.design.icalendar.value.text.fromICAL(raw);
};
checked(calendar);
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(checked(component));
  return {
    uid: event.uid,
    summary: event.summary,
    location: event.location,
    description: event.description,
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    status: component.getFirstPropertyValue("status"),
    transp: component.getFirstPropertyValue("transp"),
    sequence: event.sequence,
  };
});
process.stdout.write(JSON.stringify({
  method: calendar.getFirstPropertyValue("method"),
  version: calendar.getFirstPropertyValue("version"),
  name: text_of(calendar, "x-wr-calname"),
  rfc7986_name: text_of(calendar, "name"),
  events,
}));
