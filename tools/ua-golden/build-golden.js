#!/usr/bin/env node
// Writes the golden files that crates/useragent/tests/golden.rs checks against.
//
// Each line of a golden file is one JSON object: the user agent under "ua" and the
// fields Segment's Amplitude destination derives from it (no client hints). Absent
// fields are left out, exactly as JSON.stringify drops undefined values.
//
// Usage: node build-golden.js [DEVICE_DETECTOR_FIXTURES_DIR]
//   The optional directory holds the YAML fixtures from the PyPI `device-detector`
//   sdist (device_detector/tests/fixtures); every `user_agent:` in them is added.
'use strict'

const fs = require('fs')
const path = require('path')
const zlib = require('zlib')
const UaParser = require('@amplitude/ua-parser-js')
const yaml = require('js-yaml')

// The same decisions as parseUserAgentProperties in
// @segment/action-destinations/dist/destinations/amplitude/user-agent.js.
function segmentAmplitudeFields(userAgent, userAgentData) {
  if (!userAgent) return {}
  const parser = new UaParser(userAgent)
  const device = parser.getDevice()
  const os = parser.getOS()
  const browser = parser.getBrowser()
  return {
    os_name: os.name ?? browser.name,
    os_version: userAgentData?.platformVersion ?? browser.major,
    device_manufacturer: device.vendor,
    device_model: userAgentData?.model ?? device.model ?? os.name,
    device_type: device.type
  }
}

function writeGolden(file, userAgents) {
  const lines = userAgents.map((ua) => JSON.stringify({ ua, ...segmentAmplitudeFields(ua) }))
  const gz = zlib.gzipSync(lines.join('\n') + '\n', { level: 9 })
  fs.writeFileSync(file, gz)
  console.log(`${file}: ${userAgents.length} user agents, ${gz.length} bytes`)
}

function uniqueSorted(values) {
  return [...new Set(values.filter((v) => typeof v === 'string' && v.length > 0))].sort()
}

function collectFixtureUserAgents(dir) {
  const found = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      found.push(...collectFixtureUserAgents(full))
    } else if (/\.ya?ml$/.test(entry.name)) {
      const doc = yaml.load(fs.readFileSync(full, 'utf8'))
      if (Array.isArray(doc)) {
        for (const item of doc) if (item && typeof item.user_agent === 'string') found.push(item.user_agent)
      }
    }
  }
  return found
}

const outDir = path.join(__dirname, '..', '..', 'crates', 'useragent', 'tests', 'golden')
fs.mkdirSync(outDir, { recursive: true })

// The package's exports hide its data file, so read it next to the resolved entry point.
const userAgentsFile = path.join(path.dirname(require.resolve('user-agents')), 'user-agents.json')
const userAgentsData = JSON.parse(fs.readFileSync(userAgentsFile, 'utf8'))
const common = uniqueSorted(userAgentsData.map((entry) => entry.userAgent))
writeGolden(path.join(outDir, 'user-agents.jsonl.gz'), common)

// Real user agents rarely reach the corners of regular-expression semantics (case, white
// space, non-ASCII text, surrogate pairs, line breaks, the 255-unit cut), so a seeded set of
// mutations of them does.
function mutate(sources, count) {
  let state = 0x2545f491
  const random = (n) => {
    state ^= state << 13; state >>>= 0
    state ^= state >>> 17
    state ^= state << 5; state >>>= 0
    return state % n
  }
  const oddities = [' ', '  ', '\u00a0', '\t', '\n', '\r', '\u2028', '\ufeff', 'é', 'Ü', 'ſ', '\u212a',
    '😀', ';', ')', '(', '/', '_', '.', '-', ' Build/', ' bui', ' Mobile Safari', 'Android ', 'Tablet;']
  const out = new Set()
  while (out.size < count) {
    let ua = sources[random(sources.length)]
    const edits = 1 + random(3)
    for (let e = 0; e < edits; e++) {
      const at = random(ua.length + 1)
      switch (random(6)) {
        case 0: ua = ua.slice(0, at) + oddities[random(oddities.length)] + ua.slice(at); break
        case 1: ua = ua.slice(0, at) + ua.slice(at + 1 + random(8)); break
        case 2: ua = ua.slice(0, at) + ua.slice(at).toUpperCase(); break
        case 3: ua = ua.slice(0, at) + sources[random(sources.length)].slice(random(80), random(200)) + ua.slice(at); break
        case 4: ua = ' '.repeat(random(4)) + ua + ' '.repeat(random(300)) + 'x'.repeat(random(60)); break
        default: ua = ua.slice(0, at)
      }
    }
    // Rust strings cannot hold a lone surrogate, neither as input nor as output (the cut at
    // 255 units can split a pair into a captured model), so those cases are left out.
    const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
    const outputs = Object.values(segmentAmplitudeFields(ua))
    if (!lone.test(ua) && !outputs.some((v) => typeof v === 'string' && lone.test(v))) out.add(ua)
  }
  return [...out]
}

const fixturesDir = process.argv[2]
let sources = common
if (fixturesDir) {
  const seen = new Set(common)
  const longTail = uniqueSorted(collectFixtureUserAgents(fixturesDir)).filter((ua) => !seen.has(ua))
  writeGolden(path.join(outDir, 'device-detector.jsonl.gz'), longTail)
  sources = common.concat(longTail)
}
writeGolden(path.join(outDir, 'mutated.jsonl.gz'), mutate(sources, 20000))
