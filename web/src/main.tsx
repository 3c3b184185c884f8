/** Entry point of the inbox page (built by Vite into web/dist, served by Tasklane at `/`). */
import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';

render(<App />, document.getElementById('app')!);
