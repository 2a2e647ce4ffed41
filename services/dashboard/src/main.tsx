// Entry point: read the token (URL or storage) before anything renders, then mount the app.
import './zod-jitless.js'; // first: zod reads it when schemas are built, at import time
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { initialToken } from './auth.js';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App initialToken={initialToken()} />
  </StrictMode>,
);
