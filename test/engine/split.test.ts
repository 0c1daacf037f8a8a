// Tests for src/engine/split.ts: every Split Based On... predicate, both outcomes and the edge cases.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { evaluateCondition, isSplitPredicate, parseCalendarDate, parseTimeOfDay, SPLIT_PREDICATES, UnknownSplitPredicateError } from '../../src/engine/split.js'

type Case = [type: string, input: string, value: string, expected: boolean]

function check (cases: Case[]): void {
  for (const [type, input, value, expected] of cases) {
    assert.equal(evaluateCondition(type, input, value), expected, `${JSON.stringify(input)} ${type} ${JSON.stringify(value)}`)
  }
}

test('Studio has exactly these 17 condition types', () => {
  assert.deepEqual([...SPLIT_PREDICATES], [
    'equal_to', 'not_equal_to', 'matches_any_of', 'does_not_match_any_of', 'is_blank', 'is_not_blank', 'regex', 'contains',
    'does_not_contain', 'starts_with', 'does_not_start_with', 'less_than', 'greater_than', 'is_before_time', 'is_after_time',
    'is_before_date', 'is_after_date'
  ])
  for (const type of SPLIT_PREDICATES) {
    assert.equal(isSplitPredicate(type), true)
    assert.equal(typeof evaluateCondition(type, '', ''), 'boolean', type)
  }
})

test('an unknown condition type throws UnknownSplitPredicateError naming it', () => {
  for (const type of ['equals', 'EQUAL_TO', '', 'ends_with', 'has_any_value']) {
    assert.equal(isSplitPredicate(type), false)
    assert.throws(() => evaluateCondition(type, 'a', 'a'), (err: unknown) => err instanceof UnknownSplitPredicateError && err.type === type, type)
  }
})

test("Twilio's documented examples", () => {
  check([
    ['matches_any_of', 'YES', 'yes,yeah,yup', true],
    ['regex', '6', '[1-5]', false],
    ['contains', 'aab', 'aa', true],
    ['contains', 'aab', 'A', true],
    ['starts_with', ' Hoot', 'hoo', true]
  ])
})

test('equal_to / not_equal_to: not case-sensitive, leading and trailing spaces trimmed from both sides', () => {
  check([
    ['equal_to', 'yes', 'yes', true],
    ['equal_to', 'YES', 'yes', true],
    ['equal_to', '  Yes\n', ' yEs ', true],
    ['equal_to', 'yes.', 'yes', false], // punctuation counts (Studio FAQ: a speech result "Yes." is not "Yes")
    ['equal_to', 'y e s', 'yes', false], // inner spaces are kept
    ['equal_to', 'no', 'yes', false],
    ['equal_to', '', '', true],
    ['equal_to', '   ', '', true],
    ['equal_to', '1', '1.0', false], // text, not numbers
    ['not_equal_to', 'no', 'yes', true],
    ['not_equal_to', 'YES ', 'yes', false],
    ['not_equal_to', '', 'x', true]
  ])
})

test('matches_any_of / does_not_match_any_of: the value is a comma-separated list, each item compared like equal_to', () => {
  check([
    ['matches_any_of', 'yup', 'yes,yeah,yup', true],
    ['matches_any_of', ' Yeah ', 'yes, yeah , yup', true],
    ['matches_any_of', 'ye', 'yes,yeah,yup', false], // whole items, not substrings
    ['matches_any_of', 'yes,yeah', 'yes,yeah,yup', false],
    ['matches_any_of', '1', '1,2,3', true],
    ['matches_any_of', 'START', 'START, Start, start,', true],
    ['matches_any_of', '', 'START, Start, start,', false], // an empty item from a trailing comma matches nothing
    ['matches_any_of', '', '', false],
    ['matches_any_of', 'solo', 'solo', true],
    ['does_not_match_any_of', 'maybe', 'yes,yeah,yup', true],
    ['does_not_match_any_of', 'YUP', 'yes,yeah,yup', false],
    ['does_not_match_any_of', '', 'a,,b', true]
  ])
})

test('is_blank / is_not_blank: blank means empty after trimming; the value is ignored', () => {
  check([
    ['is_blank', '', '', true],
    ['is_blank', '   \t\n', '', true],
    ['is_blank', 'x', '', false],
    ['is_blank', '0', '', false],
    ['is_blank', '', 'anything', true],
    ['is_not_blank', 'x', '', true],
    ['is_not_blank', ' x ', 'ignored', true],
    ['is_not_blank', '', '', false],
    ['is_not_blank', '  ', '', false]
  ])
})

test('regex: the whole trimmed input must match, not case-sensitive; a pattern that does not compile matches nothing', () => {
  check([
    ['regex', '3', '[1-5]', true],
    ['regex', '6', '[1-5]', false],
    ['regex', '12', '[1-5]', false], // the whole input, not a part of it
    ['regex', 'abc123', 'abc', false],
    ['regex', 'abc123', 'abc\\d+', true],
    ['regex', 'ABC', 'abc', true],
    ['regex', '  42 ', '\\d+', true],
    ['regex', 'xb', 'a|b', false], // alternation is grouped: ^(?:a|b)$
    ['regex', 'b', 'a|b', true],
    ['regex', 'hello world', 'hello.*', true],
    ['regex', '', '.*', true],
    ['regex', '', '.+', false],
    ['regex', 'anything', '[unclosed', false],
    ['regex', '(', '(', false],
    ['regex', 'a.c', 'a\\.c', true],
    ['regex', 'abc', 'a\\.c', false]
  ])
})

test('contains / does_not_contain: substring test, not case-sensitive, value trimmed', () => {
  check([
    ['contains', 'I want a refund please', 'REFUND', true],
    ['contains', 'refund', ' refund ', true],
    ['contains', 'ref und', 'refund', false],
    ['contains', '', 'a', false],
    ['contains', 'anything', '', true],
    ['does_not_contain', 'hello', 'bye', true],
    ['does_not_contain', 'Goodbye', 'BYE', false],
    ['does_not_contain', '', 'x', true]
  ])
})

test('starts_with / does_not_start_with: prefix test after trimming, not case-sensitive', () => {
  check([
    ['starts_with', 'Hoot', 'hoo', true],
    ['starts_with', '\n HOOT', 'hoo', true],
    ['starts_with', 'shoot', 'hoo', false],
    ['starts_with', 'ho', 'hoo', false],
    ['starts_with', '', 'a', false],
    ['does_not_start_with', 'shoot', 'hoo', true],
    ['does_not_start_with', ' Hoot', 'HOO', false],
    ['does_not_start_with', '', 'a', true]
  ])
})

test('less_than / greater_than compare numbers only; anything not a number is false both ways', () => {
  check([
    ['less_than', '4', '5', true],
    ['less_than', '5', '5', false],
    ['less_than', '6', '5', false],
    ['less_than', '9', '10', true], // numbers, not text ("9" > "10" as text)
    ['less_than', ' 2.5 ', '3', true],
    ['less_than', '-1', '0', true],
    ['less_than', '.5', '1', true],
    ['less_than', '1e2', '1000', true],
    ['less_than', '+3', '4', true],
    ['greater_than', '10', '9', true],
    ['greater_than', '5', '5', false],
    ['greater_than', '5.01', '5', true],
    ['greater_than', '-3', '-2', false],
    // not numbers
    ['less_than', 'abc', '5', false],
    ['greater_than', 'abc', '5', false],
    ['less_than', '', '5', false],
    ['greater_than', '', '-5', false],
    ['less_than', '3', 'ten', false],
    ['greater_than', '1,000', '5', false],
    ['less_than', '0x10', '100', false],
    ['greater_than', 'Infinity', '5', false],
    ['less_than', '4 apples', '5', false],
    ['less_than', '"1"', '5', false] // Studio FAQ: a quoted string is not a number
  ])
})

test('is_before_time / is_after_time compare times of day; a value that is not a time is false both ways', () => {
  check([
    ['is_before_time', '08:59', '09:00', true],
    ['is_before_time', '09:00', '09:00', false],
    ['is_before_time', '17:30', '09:00', false],
    ['is_after_time', '17:30', '17:00', true],
    ['is_after_time', '17:00', '17:00', false],
    ['is_after_time', '16:59:59', '17:00', false],
    ['is_after_time', '17:00:01', '17:00', true],
    ['is_before_time', '9:05', '10:00', true],
    ['is_before_time', '9:30 am', '10:00', true],
    ['is_after_time', '1:15 PM', '12:00', true],
    ['is_before_time', '12:30 am', '01:00', true], // 00:30
    ['is_after_time', '12:00 pm', '11:59', true],
    ['is_after_time', '5pm', '16:00', true],
    ['is_before_time', '2024-07-15T08:00:00Z', '09:00', true], // the time written in an ISO date-time
    ['is_after_time', '2024-07-15 21:10', '21:00', true],
    // not times
    ['is_before_time', '', '09:00', false],
    ['is_after_time', '', '09:00', false],
    ['is_before_time', 'soon', '09:00', false],
    ['is_before_time', '25:00', '09:00', false],
    ['is_before_time', '08:60', '09:00', false],
    ['is_before_time', '13:00 pm', '14:00', false],
    ['is_before_time', '08:00', 'noon', false],
    ['is_after_time', '0800', '07:00', false]
  ])
})

test('is_before_date / is_after_date compare calendar dates; a value that is not a date is false both ways', () => {
  check([
    ['is_before_date', '2024-01-14', '2024-01-15', true],
    ['is_before_date', '2024-01-15', '2024-01-15', false],
    ['is_before_date', '2024-02-01', '2024-01-15', false],
    ['is_after_date', '2025-01-01', '2024-12-31', true],
    ['is_after_date', '2024-12-31', '2024-12-31', false],
    ['is_after_date', '2024-12-30', '2024-12-31', false],
    ['is_before_date', '2024/1/5', '2024-01-06', true],
    ['is_before_date', '12/31/2023', '2024-01-01', true], // MM/DD/YYYY
    ['is_after_date', '01/02/2024', '01/01/2024', true],
    ['is_before_date', '2024-01-14T23:59:59Z', '2024-01-15', true], // the date written in an ISO date-time
    ['is_after_date', '2024-01-15T00:00:00', '2024-01-15', false],
    // not dates
    ['is_before_date', '', '2024-01-15', false],
    ['is_after_date', '', '2024-01-15', false],
    ['is_before_date', 'yesterday', '2024-01-15', false],
    ['is_before_date', '2024-02-30', '2024-03-15', false],
    ['is_before_date', '2024-13-01', '2025-01-01', false],
    ['is_after_date', '2024-01-15', 'tomorrow', false],
    ['is_before_date', '15/01/2024', '2024-02-01', false]
  ])
})

test('time and date parsing accepts the formats listed in src/engine/README.md and rejects impossible values', () => {
  assert.equal(parseTimeOfDay('00:00'), 0)
  assert.equal(parseTimeOfDay('23:59:59'), 86399)
  assert.equal(parseTimeOfDay('12:00 a.m.'), 0)
  assert.equal(parseTimeOfDay('12 PM'), 43200)
  assert.equal(parseTimeOfDay('24:00'), undefined)
  assert.equal(parseTimeOfDay('0:00 am'), undefined)
  assert.equal(parseCalendarDate('2024-02-29'), 20240229)
  assert.equal(parseCalendarDate('2023-02-29'), undefined)
  assert.equal(parseCalendarDate(' 2024-1-5 '), 20240105)
  assert.equal(parseCalendarDate('1/5/2024'), 20240105)
})

test('the same condition gives the same answer whatever the clock says', () => {
  for (const now of [0, Date.UTC(2024, 0, 15, 20), Date.UTC(2030, 6, 1, 3)]) {
    assert.equal(evaluateCondition('is_before_time', '08:00', '09:00', { now }), true)
    assert.equal(evaluateCondition('is_after_date', '2024-01-16', '2024-01-15', { now }), true)
  }
})
