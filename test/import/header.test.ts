import { describe, expect, it } from 'vitest';
import { looksLikePartnerCenter, resolveHeader } from '../../src/import/header.js';
import { specFor } from '../../src/import/kinds.js';

const partners = specFor('partners', 'canonical');

describe('resolveHeader', () => {
  it('matches names case-insensitively after trimming and a byte-order mark, in any order, ignoring extras', () => {
    const resolved = resolveHeader(['\ufeffNotice_To', ' PARTNER_NAME ', 'extra', 'partner_id', 'Onboarded_On'], partners);
    expect(resolved.problems).toEqual([]);
    expect(resolved.index.get('partner_id')).toBe(3);
    expect(resolved.index.get('notice_to')).toBe(0);
    expect(resolved.index.get('partner_name')).toBe(1);
    expect(resolved.index.has('locale')).toBe(false);
  });

  it('names every required column that is missing, and what was found', () => {
    const { problems } = resolveHeader(['partner_id', 'locale'], partners);
    expect(problems).toEqual(['the header lacks the required columns partner_name, onboarded_on, notice_to (found: partner_id, locale)']);
  });

  it('refuses a known column named twice, but not an unknown one', () => {
    expect(resolveHeader(['partner_id', 'partner_name', 'onboarded_on', 'notice_to', 'Partner_ID'], partners).problems).toEqual(['the header names Partner_ID more than once']);
    expect(resolveHeader(['partner_id', 'partner_name', 'onboarded_on', 'notice_to', 'x', 'x'], partners).problems).toEqual([]);
  });
});

describe('looksLikePartnerCenter', () => {
  it('tells a Partner Center reconciliation export from the canonical revenue file', () => {
    expect(looksLikePartnerCenter(['PartnerId', 'MpnId', 'InvoiceNumber', 'Subtotal', 'Currency'])).toBe(true);
    expect(looksLikePartnerCenter(['\ufeffpartnerId', 'invoiceNumber', 'subtotal'])).toBe(true);
    expect(looksLikePartnerCenter(['partner_id', 'charge_date', 'amount', 'currency', 'invoice_number'])).toBe(false);
    expect(looksLikePartnerCenter(['PartnerId', 'InvoiceNumber', 'Subtotal', 'Amount'])).toBe(false);
  });
});
