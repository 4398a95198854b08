// Validates FHIR R4 resources, one JSON per line on standard input, against the R4 core
// definitions the npm `fhir` package ships; prints one JSON line per invalid resource and exits 1
// when any is invalid.
const { Fhir } = require('fhir');

const fhir = new Fhir();
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
let invalid = 0;
for (const line of lines) {
  const resource = JSON.parse(line);
  const result = fhir.validate(resource, { errorOnUnexpected: true });
  const errors = result.messages.filter((m) => m.severity === 'error');
  if (!result.valid || errors.length) {
    invalid += 1;
    console.log(JSON.stringify({ resource: `${resource.resourceType}/${resource.id}`, errors }));
  }
}
console.error(`checked ${lines.length}, invalid ${invalid}`);
process.exit(invalid ? 1 : 0);
