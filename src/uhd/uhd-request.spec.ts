import { uhdEndDate, uhdResourcePath } from './uhd-request.js';

describe('uhdResourcePath', () => {
  it('builds the DESIGN.md path and query for a resource', () => {
    expect(uhdResourcePath('labs', '1012845331V153043', '2026-03-04')).toBe(
      '/v1/medicalrecords/labs?patientId=1012845331V153043&startDate=1900-01-01&endDate=2026-03-04',
    );
  });

  it('adds includeBinary=false to notes only', () => {
    expect(uhdResourcePath('notes', '1012845331V153043', '2026-03-04')).toBe(
      '/v1/medicalrecords/notes?patientId=1012845331V153043&startDate=1900-01-01&endDate=2026-03-04&includeBinary=false',
    );
    expect(uhdResourcePath('vitals', '1', '2026-03-04')).not.toContain('includeBinary');
  });

  it('encodes a patient id that is not URL-safe rather than letting it change the query', () => {
    expect(uhdResourcePath('labs', 'a&b=c', '2026-03-04')).toContain('patientId=a%26b%3Dc&');
  });
});

describe('uhdEndDate', () => {
  it('gives the UTC calendar day', () => {
    expect(uhdEndDate(new Date('2026-03-04T23:59:59.999Z'))).toBe('2026-03-04');
    expect(uhdEndDate(new Date('2026-03-05T00:00:00.000Z'))).toBe('2026-03-05');
  });
});
