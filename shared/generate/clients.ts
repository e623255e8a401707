/**
 * Client software mix: user agents with the device class EdgeOne would assign them
 * (ClientDeviceType: TV/Tablet/Mobile/Desktop/Other). Media players dominate video traffic.
 */
import { type WeightedPicker, weighted } from './random';

type DeviceType = 'TV' | 'Tablet' | 'Mobile' | 'Desktop' | 'Other';

export interface Client {
  userAgent: string;
  device: DeviceType;
}

const CLIENTS: ReadonlyArray<readonly [Client, number]> = [
  [{ device: 'Desktop', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' }, 22],
  [
    { device: 'Desktop', userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' },
    8,
  ],
  [
    { device: 'Desktop', userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15' },
    5,
  ],
  [{ device: 'Desktop', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0' }, 4],
  [
    {
      device: 'Mobile',
      userAgent: 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.39 Mobile Safari/537.36',
    },
    16,
  ],
  [
    {
      device: 'Mobile',
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    },
    12,
  ],
  [{ device: 'Mobile', userAgent: 'AppleCoreMedia/1.0.0.22B83 (iPhone; U; CPU OS 18_1 like Mac OS X; en_us)' }, 9],
  [{ device: 'Mobile', userAgent: 'ExoPlayerLib/2.19.1 (Linux; Android 13) ExoPlayerLib/2.19.1' }, 7],
  [
    {
      device: 'Tablet',
      userAgent: 'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
    },
    4,
  ],
  [{ device: 'TV', userAgent: 'Roku/DVP-14.0 (14.0.0.4198-46)' }, 3],
  [{ device: 'TV', userAgent: 'Mozilla/5.0 (SMART-TV; LINUX; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) 7.0 TV Safari/537.36' }, 3],
  [
    {
      device: 'TV',
      userAgent: 'Mozilla/5.0 (Linux; Android 11; AFTKA Build/RS8133) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.102 Mobile Safari/537.36',
    },
    2,
  ],
  [{ device: 'Other', userAgent: 'curl/8.5.0' }, 0.5],
  [{ device: 'Other', userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }, 0.5],
];

export const pickClient: WeightedPicker<Client> = weighted(CLIENTS);
