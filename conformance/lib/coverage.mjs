// Generator sanity: counts which listed features a round produced, so a generator that stops
// producing some quirk fails loudly instead of rotting silently.

export function coverageReport(features, tagSets) {
  const counts = new Map(features.map((f) => [f, 0]));
  const unlisted = new Set();
  for (const tags of tagSets) {
    for (const t of tags) {
      if (counts.has(t)) counts.set(t, counts.get(t) + 1);
      else unlisted.add(t);
    }
  }
  const missing = features.filter((f) => counts.get(f) === 0);
  const width = Math.max(...features.map((f) => f.length));
  const table = ['  coverage (feature: cases):', ...features.map((f) => `    ${f.padEnd(width)} ${counts.get(f)}`)].join('\n');
  if (unlisted.size) console.warn(`  note: generated tags not in the feature list: ${[...unlisted].join(', ')}`);
  return { counts, missing, table };
}
