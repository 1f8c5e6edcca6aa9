// The compliance report's formats, listed once: a new format is a new file and one line here.
import type {ComplianceFormat} from './compliance.js'
import csv from './compliance-csv.js'
import html from './compliance-html.js'
import json from './compliance-json.js'

export const COMPLIANCE_FORMATS: readonly ComplianceFormat[] = [html, csv, json]
