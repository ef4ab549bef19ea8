import { afterAll, afterEach } from 'vitest';
import { installConformingFetch, takeProblems } from './conforming-fetch';

// Every test file: answers that services under test give through `fetch` are checked against their OpenAPI document
// (test/support/conforming-fetch.ts). A test that received an answer the document does not describe fails here, after
// its own assertions, with every problem listed; answers received in `beforeAll`/`afterAll` fail the file.
installConformingFetch();

async function failOnProblems(): Promise<void> {
  const problems = await takeProblems();
  if (problems.length > 0) {
    throw new Error(`answers that do not conform to the OpenAPI document (docs/openapi.json):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

afterEach(failOnProblems);
afterAll(failOnProblems);
