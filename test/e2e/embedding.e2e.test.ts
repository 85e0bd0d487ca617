import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddingExample } from '../../examples/embedding';

describe('the embedding example of the README', () => {
  it('runs and delivers the message', async () => {
    expect(await embeddingExample()).toEqual(['alice: Hello, Bob!']);
  });

  it('is the code the README shows', () => {
    const root = join(__dirname, '..', '..');
    const example = readFileSync(join(root, 'examples', 'embedding.ts'), 'utf8')
      .replace("from '../src'", "from 'tcp-chat-server'")
      .trim();
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain(example);
  });
});
