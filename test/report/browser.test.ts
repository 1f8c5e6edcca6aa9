import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'
import {pathToFileURL} from 'node:url'
import {promisify} from 'node:util'
import {callrec, NOW, ROOT} from '../helpers.js'
import {withBrowser} from './browser.js'
import {sampleArchive, XSS} from './sample.js'

const run = promisify(execFile)

test('the compliance page loads in Chromium with no console error, its charts drawn and sized; a <script> in a sidecar stays text', async () => {
  const archive = sampleArchive()
  try {
    const file = path.join(archive.dir, 'compliance.html')
    const result = await callrec(['report', 'compliance', archive.dir, '--now', NOW, '-o', file])
    assert.equal(result.code, 0, result.stderr)
    const screenshot = path.join(archive.dir, 'compliance.png')
    const fixturePage = path.join(archive.dir, 'fixture.html')
    const fixture = await callrec(['report', 'compliance', path.join(ROOT, 'fixtures', 'archive'), '--now', NOW, '-o', fixturePage])
    assert.equal(fixture.code, 0, fixture.stderr)
    await withBrowser(async (context) => {
      const page = await context.newPage()
      const errors: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text())
      })
      page.on('pageerror', (error) => errors.push(error.message))
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) errors.push(`request to ${request.url()}`)
      })
      await page.setViewportSize({width: 1100, height: 900})
      await page.goto(pathToFileURL(file).href, {waitUntil: 'load'})

      assert.equal(await page.title(), 'Rapport de conformité des enregistrements')
      assert.equal(await page.locator('#verdict').textContent(), 'Non conforme')
      for (const id of ['age', 'purpose', 'encrypted', 'notice']) {
        const box = await page.locator(`figure[data-chart="${id}"] svg`).boundingBox()
        assert.ok(box && box.width > 200 && box.height > 20, `${id}: ${JSON.stringify(box)}`)
        assert.ok((await page.locator(`figure[data-chart="${id}"] svg rect`).count()) > 0, `${id} has bars`)
      }
      assert.ok((await page.locator('figure[data-chart="age"] line[stroke-dasharray]').count()) >= 2, 'retention limits drawn')
      assert.equal(await page.locator('script').count(), 0)
      assert.ok((await page.locator('body').innerText()).includes(XSS), 'the sidecar value shows as text')
      await page.screenshot({path: screenshot, fullPage: true})

      // The example archive has a CDR: the agent/day chart shows, with its threshold.
      await page.goto(pathToFileURL(fixturePage).href, {waitUntil: 'load'})
      const box = await page.locator('figure[data-chart="systematic"] svg').boundingBox()
      assert.ok(box && box.width > 200 && box.height > 20, JSON.stringify(box))
      assert.ok((await page.locator('figure[data-chart="systematic"] svg rect').count()) > 0)
      assert.deepEqual(errors, [])
    })
    assert.ok(statSync(screenshot).size > 20_000)
  } finally {
    archive.cleanup()
  }
})

test('the register prints to an A4 PDF with the template section headings', async () => {
  const archive = sampleArchive()
  try {
    const file = path.join(archive.dir, 'register.html')
    const result = await callrec(['report', 'register', archive.dir, '--now', NOW, '--format', 'html', '-o', file, '--lang', 'en'])
    assert.equal(result.code, 0, result.stderr)
    const pdf = path.join(archive.dir, 'register.pdf')
    let headings: string[] = []
    await withBrowser(async (context) => {
      const page = await context.newPage()
      await page.goto(pathToFileURL(file).href)
      headings = await page.locator('h2').allInnerTexts()
      writeFileSync(pdf, await page.pdf({format: 'A4', printBackground: true}))
    })
    const expected = [
      'Controller name and contact',
      'Data protection officer',
      'Created, last updated',
      'Joint controller',
      'Software used',
      'Purposes and legal basis',
      'Data subjects',
      'Data categories',
      'Retention',
      'Recipients',
      'Transfers outside the EU',
      'Security measures',
      'Facts measured by the audit',
    ]
    assert.deepEqual(headings, expected.map((title, index) => `${index + 1}. ${title}`))
    assert.equal(readFileSync(pdf).subarray(0, 5).toString(), '%PDF-')
    const {stdout: text} = await run('pdftotext', ['-layout', pdf, '-'])
    for (const title of expected) assert.ok(text.includes(title), `${title} in the PDF`)
    const {stdout: info} = await run('pdfinfo', [pdf])
    assert.match(info, /Page size:\s+.*\(A4\)/)
  } finally {
    archive.cleanup()
  }
})
