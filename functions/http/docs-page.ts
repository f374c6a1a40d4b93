/**
 * A self-contained HTML page that renders /openapi.json: no external scripts,
 * styles or fonts, so it works offline and under a strict Content-Security-Policy
 * that allows only this origin.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>onnx-edge API</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem; color: #1d1d1f; }
  h1 { margin-bottom: 0; }
  .operation { border: 1px solid #d0d0d7; border-radius: 6px; margin: 1rem 0; }
  .operation > summary { cursor: pointer; padding: .6rem .8rem; font-weight: 600; }
  .operation > div { padding: 0 .8rem .8rem; }
  .method { display: inline-block; min-width: 3.5rem; font-family: ui-monospace, monospace; color: #fff; border-radius: 4px; padding: 0 .4rem; margin-right: .5rem; text-align: center; }
  .get { background: #1f6feb; } .post { background: #2da44e; }
  .lock { font-weight: normal; color: #6e6e73; margin-left: .5rem; }
  table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
  th, td { text-align: left; border-bottom: 1px solid #e5e5ea; padding: .25rem .4rem; vertical-align: top; }
  pre { background: #f5f5f7; padding: .6rem; overflow-x: auto; font-size: 13px; }
  code { font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<h1 id="title">onnx-edge API</h1>
<p id="description"></p>
<p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI 3.1). Routes marked "token" need
<code>Authorization: Bearer &lt;API_TOKEN&gt;</code>. Errors are <code>application/problem+json</code>.</p>
<main id="operations"><p>Loading…</p></main>
<script>
  const element = (tag, attributes = {}, ...children) => {
    const node = document.createElement(tag)
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
    for (const child of children) node.append(child)
    return node
  }
  const json = (value) => element('pre', {}, element('code', {}, JSON.stringify(value, null, 2)))

  function renderOperation(path, method, operation) {
    const summary = element('summary', {}, element('span', { class: 'method ' + method }, method.toUpperCase()), element('code', {}, path), ' ', operation.summary)
    if (operation.security && operation.security.length > 0) summary.append(element('span', { class: 'lock' }, '(token)'))
    const body = element('div')
    if (operation.description) body.append(element('p', {}, operation.description))
    if (operation.parameters) {
      const rows = operation.parameters.map((parameter) =>
        element('tr', {}, element('td', {}, element('code', {}, parameter.name)), element('td', {}, parameter.in),
          element('td', {}, element('code', {}, JSON.stringify(parameter.schema))), element('td', {}, parameter.description || '')))
      body.append(element('h4', {}, 'Parameters'), element('table', {}, element('tr', {}, element('th', {}, 'name'), element('th', {}, 'in'), element('th', {}, 'schema'), element('th', {}, 'description')), ...rows))
    }
    if (operation.requestBody) {
      body.append(element('h4', {}, 'Request body'))
      for (const [mediaType, content] of Object.entries(operation.requestBody.content)) {
        body.append(element('p', {}, element('code', {}, mediaType)))
        if (content.schema && !content.schema.contentMediaType) body.append(json(content.schema))
      }
    }
    body.append(element('h4', {}, 'Responses'))
    const rows = Object.entries(operation.responses).map(([status, response]) =>
      element('tr', {}, element('td', {}, status), element('td', {}, response.description), element('td', {}, Object.keys(response.content || {}).join(', '))))
    body.append(element('table', {}, ...rows))
    const success = operation.responses['200'] && operation.responses['200'].content['application/json']
    if (success) body.append(element('p', {}, '200 schema:'), json(success.schema))
    return element('details', { class: 'operation' }, summary, body)
  }

  fetch('openapi.json')
    .then((response) => response.json())
    .then((document_) => {
      document.getElementById('title').textContent = document_.info.title + ' ' + document_.info.version
      document.getElementById('description').textContent = document_.info.description
      const list = document.getElementById('operations')
      list.replaceChildren()
      for (const [path, methods] of Object.entries(document_.paths)) {
        for (const [method, operation] of Object.entries(methods)) list.append(renderOperation(path, method, operation))
      }
      list.append(element('h3', {}, 'Problem response'), json(document_.components.schemas.Problem))
    })
    .catch((error) => {
      document.getElementById('operations').textContent = 'Could not load openapi.json: ' + error
    })
</script>
</body>
</html>
`
