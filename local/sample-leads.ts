/**
 * Leads for trying the product locally: the one `npm start` submits into a new data folder,
 * and the mix `npm run seed` posts. Addresses use the reserved `.example` domain (and a few
 * free-mail ones, which scoring treats differently); mail only ever reaches the local inbox.
 */
export interface SampleLead {
  /** What the lead should show, for the seed's printout. */
  expect: string;
  body: Record<string, unknown>;
  /** Repeats the request of another seed lead, as a double-clicked or retried form would. */
  repeatOf?: number;
}

const page = (path: string, query = '') => `https://www.example.com${path}${query}`;

export const sampleLead = () => ({
  email: 'dana.director@acme.example',
  name: 'Dana Director',
  company: 'Acme Corp',
  jobTitle: 'Director of Sales',
  companySize: '200-999',
  formId: 'demo-request',
  message: 'We would like a demo and a quote for a team of 40.',
  pageUrl: page('/demo'),
  timezone: 'America/Chicago',
});

export const seedLeads: SampleLead[] = [
  {
    expect: 'hot: VP asking for a demo from a paid campaign',
    body: {
      email: 'priya.raman@globex.example',
      name: 'Priya Raman',
      company: 'Globex',
      jobTitle: 'VP of Sales',
      companySize: '1000+',
      formId: 'demo-request',
      message: 'We are comparing vendors this quarter and have budget approved. Can we see a demo?',
      pageUrl: page('/pricing', '?utm_source=google&utm_medium=cpc&utm_campaign=speed-to-lead'),
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'speed-to-lead',
      country: 'United States',
      phone: '+1 415 555 0142',
      timezone: 'America/Los_Angeles',
      consent: true,
    },
  },
  {
    expect: 'hot: founder asking for pricing',
    body: {
      email: 'tomas.weber@initech.example',
      name: 'Tomás Weber',
      company: 'Initech',
      jobTitle: 'Founder & CEO',
      companySize: '50-199',
      formId: 'pricing-quote',
      message: 'What would the price be for 25 seats?',
      pageUrl: page('/pricing'),
      timezone: 'Europe/Berlin',
    },
  },
  {
    expect: 'warm: a manager asking about pricing',
    body: {
      email: 'li.wong@umbrella.example',
      name: 'Li Wong',
      company: 'Umbrella',
      jobTitle: 'Marketing Manager',
      companySize: '11-49',
      formId: 'pricing',
      pageUrl: page('/blog/lead-response-time', '?utm_source=newsletter&utm_medium=email'),
      utm_source: 'newsletter',
      utm_medium: 'email',
      timezone: 'Asia/Singapore',
    },
  },
  {
    expect: 'cold: an ebook download from a free-mail address',
    body: {
      email: 'sam.student@gmail.com',
      name: 'Sam Student',
      formId: 'ebook-download',
      pageUrl: page('/resources/speed-to-lead-ebook'),
      referrer: 'https://www.linkedin.com/',
      utm_source: 'linkedin',
      utm_medium: 'social',
      timezone: 'Europe/London',
    },
  },
  {
    expect: 'cold: a newsletter sign-up',
    body: { email: 'alex.reader@outlook.com', name: 'Alex Reader', formId: 'newsletter', timezone: 'Australia/Sydney' },
  },
  {
    expect: 'duplicate: the first lead again (a double click): 200, same lead, no second sequence',
    body: {},
    repeatOf: 0,
  },
  {
    expect: 'invalid: 400 with the field errors the form shows inline',
    body: { email: 'not-an-email', name: '', phone: 'call me maybe', formId: 'demo-request' },
  },
];
