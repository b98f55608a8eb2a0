addEventListener('load', () => { document.title = 'Loaded'; });
