"""ical.js, the parser of Thunderbird and Nextcloud, as an independent reader of our feeds."""
