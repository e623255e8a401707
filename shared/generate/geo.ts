/**
 * Client geography for the generators: countries with realistic traffic shares, their big
 * cities (with the nearest airport code, which CDNs use to name PoPs), major ISPs' ASNs and
 * plausible address prefixes, so that an entry's country, city, metro, ASN and IP agree.
 */
import { type Rng, type WeightedPicker, weighted } from './random';

interface City {
  name: string;
  /** Lowercase IATA code of the nearest CDN metro, as Media CDN's metroIataCode example shows. */
  iata: string;
  /** ISO 3166-2 subdivision, used for EdgeOne's ClientState. */
  state: string;
}

export interface Country {
  /** ISO 3166-1 alpha-2 / CLDR region code. */
  code: string;
  /** Relative share of a global media audience (Media CDN). */
  mediaWeight: number;
  /** Relative share for an EdgeOne customer, which skews towards mainland China and Asia. */
  edgeoneWeight: number;
  cities: readonly City[];
  /** ASNs of big access ISPs, as decimal strings. */
  asns: readonly string[];
  /** First octets of IPv4 space mostly allocated in that country (close enough for synthetic data). */
  v4FirstOctets: readonly number[];
  /** IPv6 prefixes of the same ISPs (always the first 2 groups). */
  v6Prefixes: readonly string[];
  /** Share of clients on IPv6. */
  v6Share: number;
}

const COUNTRIES: readonly Country[] = [
  {
    code: 'US',
    mediaWeight: 28,
    edgeoneWeight: 10,
    cities: [
      { name: 'New York', iata: 'lga', state: 'US-NY' },
      { name: 'Los Angeles', iata: 'lax', state: 'US-CA' },
      { name: 'Chicago', iata: 'ord', state: 'US-IL' },
      { name: 'Dallas', iata: 'dfw', state: 'US-TX' },
      { name: 'Ashburn', iata: 'iad', state: 'US-VA' },
      { name: 'Seattle', iata: 'sea', state: 'US-WA' },
      { name: 'Atlanta', iata: 'atl', state: 'US-GA' },
      { name: 'Mountain View', iata: 'sjc', state: 'US-CA' },
    ],
    asns: ['7922', '7018', '701', '20115', '22773', '21928'],
    v4FirstOctets: [24, 50, 67, 73, 98, 108, 174],
    v6Prefixes: ['2600:1700', '2601:1c0', '2603:8000', '2607:fb90'],
    v6Share: 0.35,
  },
  {
    code: 'IN',
    mediaWeight: 16,
    edgeoneWeight: 6,
    cities: [
      { name: 'Mumbai', iata: 'bom', state: 'IN-MH' },
      { name: 'Delhi', iata: 'del', state: 'IN-DL' },
      { name: 'Chennai', iata: 'maa', state: 'IN-TN' },
      { name: 'Bengaluru', iata: 'blr', state: 'IN-KA' },
      { name: 'Hyderabad', iata: 'hyd', state: 'IN-TG' },
    ],
    asns: ['55836', '45609', '24560', '9829'],
    v4FirstOctets: [49, 106, 117, 157, 223],
    v6Prefixes: ['2409:40c0', '2401:4900', '2405:201'],
    v6Share: 0.5,
  },
  {
    code: 'BR',
    mediaWeight: 9,
    edgeoneWeight: 3,
    cities: [
      { name: 'Sao Paulo', iata: 'gru', state: 'BR-SP' },
      { name: 'Rio de Janeiro', iata: 'gig', state: 'BR-RJ' },
      { name: 'Fortaleza', iata: 'for', state: 'BR-CE' },
    ],
    asns: ['28573', '26599', '18881'],
    v4FirstOctets: [177, 179, 189, 191, 201],
    v6Prefixes: ['2804:14c', '2804:d59', '2804:7f0'],
    v6Share: 0.3,
  },
  {
    code: 'DE',
    mediaWeight: 7,
    edgeoneWeight: 3,
    cities: [
      { name: 'Frankfurt', iata: 'fra', state: 'DE-HE' },
      { name: 'Berlin', iata: 'ber', state: 'DE-BE' },
      { name: 'Munich', iata: 'muc', state: 'DE-BY' },
      { name: 'Hamburg', iata: 'ham', state: 'DE-HH' },
    ],
    asns: ['3320', '3209', '6805'],
    v4FirstOctets: [79, 84, 91, 93, 217],
    v6Prefixes: ['2003:e2', '2a02:908', '2a02:3032'],
    v6Share: 0.4,
  },
  {
    code: 'GB',
    mediaWeight: 7,
    edgeoneWeight: 2,
    cities: [
      { name: 'London', iata: 'lhr', state: 'GB-LND' },
      { name: 'Manchester', iata: 'man', state: 'GB-MAN' },
    ],
    asns: ['2856', '5089', '5607'],
    v4FirstOctets: [81, 86, 90, 109],
    v6Prefixes: ['2a00:23c7', '2a02:c7c', '2a01:4b00'],
    v6Share: 0.3,
  },
  {
    code: 'JP',
    mediaWeight: 6,
    edgeoneWeight: 8,
    cities: [
      { name: 'Tokyo', iata: 'nrt', state: 'JP-13' },
      { name: 'Osaka', iata: 'kix', state: 'JP-27' },
    ],
    asns: ['2516', '4713', '17676'],
    v4FirstOctets: [126, 133, 153, 180],
    v6Prefixes: ['240b:10', '2400:4051', '2001:268'],
    v6Share: 0.4,
  },
  {
    code: 'ID',
    mediaWeight: 5,
    edgeoneWeight: 7,
    cities: [
      { name: 'Jakarta', iata: 'cgk', state: 'ID-JK' },
      { name: 'Surabaya', iata: 'sub', state: 'ID-JI' },
    ],
    asns: ['7713', '23693', '17451'],
    v4FirstOctets: [36, 110, 114, 182],
    v6Prefixes: ['2001:448a', '2404:c0'],
    v6Share: 0.2,
  },
  {
    code: 'FR',
    mediaWeight: 5,
    edgeoneWeight: 2,
    cities: [
      { name: 'Paris', iata: 'cdg', state: 'FR-IDF' },
      { name: 'Marseille', iata: 'mrs', state: 'FR-PAC' },
    ],
    asns: ['3215', '12322', '5410'],
    v4FirstOctets: [78, 82, 90, 92],
    v6Prefixes: ['2a01:cb00', '2a01:e0a', '2a01:e34'],
    v6Share: 0.45,
  },
  {
    code: 'MX',
    mediaWeight: 4,
    edgeoneWeight: 1,
    cities: [
      { name: 'Mexico City', iata: 'mex', state: 'MX-CMX' },
      { name: 'Monterrey', iata: 'mty', state: 'MX-NLE' },
    ],
    asns: ['8151', '28548'],
    v4FirstOctets: [187, 189, 201],
    v6Prefixes: ['2806:10a', '2806:2f0'],
    v6Share: 0.2,
  },
  {
    code: 'CA',
    mediaWeight: 3,
    edgeoneWeight: 1,
    cities: [
      { name: 'Toronto', iata: 'yyz', state: 'CA-ON' },
      { name: 'Montreal', iata: 'yul', state: 'CA-QC' },
    ],
    asns: ['812', '577', '5769'],
    v4FirstOctets: [24, 70, 99, 142],
    v6Prefixes: ['2607:fea8', '2607:f2c0'],
    v6Share: 0.3,
  },
  {
    code: 'AU',
    mediaWeight: 3,
    edgeoneWeight: 2,
    cities: [
      { name: 'Sydney', iata: 'syd', state: 'AU-NSW' },
      { name: 'Melbourne', iata: 'mel', state: 'AU-VIC' },
    ],
    asns: ['1221', '4804', '7545'],
    v4FirstOctets: [1, 101, 120, 203],
    v6Prefixes: ['2001:8003', '2403:5800'],
    v6Share: 0.25,
  },
  {
    code: 'KR',
    mediaWeight: 3,
    edgeoneWeight: 5,
    cities: [
      { name: 'Seoul', iata: 'icn', state: 'KR-11' },
      { name: 'Busan', iata: 'pus', state: 'KR-26' },
    ],
    asns: ['4766', '9318', '3786'],
    v4FirstOctets: [1, 58, 121, 211],
    v6Prefixes: ['2001:2d8', '2001:e60'],
    v6Share: 0.15,
  },
  {
    code: 'PH',
    mediaWeight: 2,
    edgeoneWeight: 4,
    cities: [
      { name: 'Manila', iata: 'mnl', state: 'PH-00' },
      { name: 'Cebu City', iata: 'ceb', state: 'PH-CEB' },
    ],
    asns: ['9299', '132199', '4775'],
    v4FirstOctets: [112, 120, 122, 180],
    v6Prefixes: ['2001:4451', '2405:8d40'],
    v6Share: 0.2,
  },
  {
    code: 'SG',
    mediaWeight: 2,
    edgeoneWeight: 5,
    cities: [{ name: 'Singapore', iata: 'sin', state: 'SG-01' }],
    asns: ['3758', '9506', '55430'],
    v4FirstOctets: [101, 116, 118, 175],
    v6Prefixes: ['2406:3003', '2401:7400'],
    v6Share: 0.25,
  },
  {
    code: 'CN',
    mediaWeight: 0.5,
    edgeoneWeight: 40,
    cities: [
      { name: 'Guangzhou', iata: 'can', state: 'CN-GD' },
      { name: 'Shanghai', iata: 'pvg', state: 'CN-SH' },
      { name: 'Beijing', iata: 'pek', state: 'CN-BJ' },
      { name: 'Hefei', iata: 'hfe', state: 'CN-AH' },
      { name: 'Chengdu', iata: 'ctu', state: 'CN-SC' },
      { name: 'Hangzhou', iata: 'hgh', state: 'CN-ZJ' },
    ],
    asns: ['4134', '4837', '9808', '56040'],
    v4FirstOctets: [14, 36, 58, 113, 117, 183, 223],
    v6Prefixes: ['240e:3a1', '2408:8207', '2409:8a55'],
    v6Share: 0.3,
  },
];

const mediaPicker: WeightedPicker<Country> = weighted(COUNTRIES.map((c) => [c, c.mediaWeight] as const));
const edgeonePicker: WeightedPicker<Country> = weighted(COUNTRIES.map((c) => [c, c.edgeoneWeight] as const));

/** A country drawn with Media CDN audience weights (US, IN, BR, DE, GB, JP, ID, FR, ...). */
export function pickMediaCountry(rng: Rng): Country {
  return mediaPicker(rng);
}

/** A country drawn with EdgeOne customer weights (CN first, then Asia). */
export function pickEdgeoneCountry(rng: Rng): Country {
  return edgeonePicker(rng);
}

/** A city, favouring the first-listed (largest) ones. */
export function pickCity(rng: Rng, country: Country): City {
  const i = Math.min(country.cities.length - 1, Math.floor(country.cities.length * rng.float() * rng.float()));
  return country.cities[i] as City;
}

/** A client address in the country's space; IPv6 with the country's v6 share (or never, if v4Only). */
export function clientIp(rng: Rng, country: Country, v4Only = false): string {
  if (!v4Only && rng.chance(country.v6Share)) {
    // Every prefix above is two groups; six more make a full address. Leading zeros dropped as in RFC 5952.
    let ip = rng.pick(country.v6Prefixes);
    for (let i = 0; i < 6; i++)
      ip += `:${rng
        .uint32()
        .toString(16)
        .slice(-4)
        .replace(/^0+(?=.)/, '')}`;
    return ip;
  }
  return `${rng.pick(country.v4FirstOctets)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}
