// What the client tests share: the stack's configuration and the mappings for calls the presets
// leave alone (group, alias), written as a Segment user would set them up.

export const PRESETS_KEY = 'clients-presets-api-key';
export const MAPPED_KEY = 'clients-mapped-api-key';
export const UNKNOWN_AMPLITUDE_KEY = 'clients-key-unknown-to-amplitude';

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

/**
 * Three servers on one mock: `presets` (no [[mappings]]: Segment's presets), `mapped` (group and
 * alias mappings), and `unknownkey`, whose Amplitude key the mock does not know.
 */
export function stackConfig(prefix) {
  return {
    projects: { presets: PRESETS_KEY, mapped: MAPPED_KEY },
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
