// What the client tests share: the stack's configuration and the mappings for calls the presets
// leave alone (group, alias), written as a Segment user would set them up.

export const PRESETS_KEY = 'clients-presets-api-key';
export const MAPPED_KEY = 'clients-mapped-api-key';
export const UNKNOWN_AMPLITUDE_KEY = 'clients-key-unknown-to-amplitude';

/** The Amplitude key of each project the mock knows, by server name. */
export const PROJECT_KEYS = { presets: PRESETS_KEY, mapped: MAPPED_KEY };

/** The mappings of the "mapped" server: group and alias, which no preset routes. */
export const GROUP_MAPPING = {
  name: 'Group Calls',
  action: 'groupIdentifyUser',
  mapping: {
    group_type: 'company',
    group_value: { '@path': '$.groupId' },
    group_properties: { '@path': '$.traits' },
    user_id: { '@path': '$.userId' },
    device_id: { '@path': '$.anonymousId' },
    time: { '@path': '$.timestamp' },
  },
};

export const ALIAS_MAPPING = {
  name: 'Alias Calls',
  action: 'mapUser',
  mapping: {
    user_id: { '@path': '$.previousId' },
    global_user_id: { '@path': '$.userId' },
  },
};

const MAPPED_TOML = `
[[mappings]]
name = "${GROUP_MAPPING.name}"
trigger = 'type = "group"'
action = "${GROUP_MAPPING.action}"
mapping = '${JSON.stringify(GROUP_MAPPING.mapping)}'

[[mappings]]
name = "${ALIAS_MAPPING.name}"
trigger = 'type = "alias"'
action = "${ALIAS_MAPPING.action}"
mapping = '${JSON.stringify(ALIAS_MAPPING.mapping)}'
`;

/** The messages the client tests send to the "mapped" server, and the mapping that routes each. */
export const MAPPED_ROUTES = { group: GROUP_MAPPING, alias: ALIAS_MAPPING };

/**
 * The messages the client tests send to the "presets" server, and the preset that routes each (by
 * name, as `ampline presets` lists them); their group and alias go to no preset.
 */
export const PRESET_ROUTES = {
  track: 'Track Calls',
  order: 'Order Completed Calls',
  identify: 'Identify Calls',
  page: 'Page Calls',
  screen: 'Screen Calls',
};

/**
 * Three servers on one mock: `presets` (no [[mappings]]: Segment's presets), `mapped` (group and
 * alias mappings), and `unknownkey`, whose Amplitude key the mock does not know.
 */
export function stackConfig(prefix) {
  return {
    projects: PROJECT_KEYS,
    servers: [
      { name: 'presets', writeKey: `${prefix}-presets-write-key`, apiKey: PRESETS_KEY },
      { name: 'mapped', writeKey: `${prefix}-mapped-write-key`, apiKey: MAPPED_KEY, mappings: MAPPED_TOML },
      { name: 'unknownkey', writeKey: `${prefix}-unknownkey-write-key`, apiKey: UNKNOWN_AMPLITUDE_KEY },
    ],
  };
}

export const settings = (apiKey) => ({ apiKey, secretKey: 'not-used-by-these-actions', endpoint: 'north_america' });

/** A desktop Chrome user agent, for the presets' user-agent parsing. */
export const CHROME_MAC_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** The properties of the "Song Played" track: nested, a list, a boolean. A fresh copy each call. */
export const songProperties = () => ({
  title: 'Blue in Green',
  duration_ms: 337000,
  tags: ['jazz', 'modal'],
  album: { name: 'Kind of Blue', year: 1959 },
  explicit: false,
});

/** Text JSON escapes or encodes on several bytes: accents, emoji, a line separator, quotes, a backslash. */
export const AWKWARD_TEXT = 'café ☕ 🎵 «ü» \u2028 "quoted" \\ end';
