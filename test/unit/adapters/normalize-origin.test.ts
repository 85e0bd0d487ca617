import { normalizeOrigin } from '../../../src/adapters/websocket/websocket-transport';

describe('normalizeOrigin', () => {
  it('lower-cases scheme and host and drops a default port and any path', () => {
    expect(normalizeOrigin('HTTPS://Chat.Example.COM:443/')).toBe('https://chat.example.com');
    expect(normalizeOrigin('http://chat.example.com:80')).toBe('http://chat.example.com');
    expect(normalizeOrigin('http://127.0.0.1:8080/page?x=1')).toBe('http://127.0.0.1:8080');
  });

  it('keeps a port that is not the default, so different ports stay different origins', () => {
    expect(normalizeOrigin('https://chat.example.com:8443')).toBe('https://chat.example.com:8443');
    expect(normalizeOrigin('http://localhost:3000')).not.toBe(normalizeOrigin('http://localhost:3001'));
    expect(normalizeOrigin('http://localhost')).not.toBe(normalizeOrigin('https://localhost'));
  });

  it('gives null for the opaque origin and for what is not a URL', () => {
    for (const origin of ['null', '', 'not a url', 'file:///etc/passwd', 'data:text/html,x']) {
      expect([origin, normalizeOrigin(origin)]).toEqual([origin, null]);
    }
  });
});
