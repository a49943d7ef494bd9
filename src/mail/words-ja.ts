import type { Words } from './words.js';

export const JA: Words = {
  locale: 'ja',
  listSeparator: '、',
  atLeast: (value) => `${value}以上`,
  score: (points) => `${points} 点`,
  points: (value) => `${value} 点`,
  withDetail: (main, detail) => `${main}（${detail}）`,
  unavailable: '未確定',
  trigger: {
    renewal: (month) => `サポート プラン更新月（${month}）の年次再評価`,
    anniversary: (month) => `CSP オンボード記念月（${month}）のセキュリティ要件の確認`,
  },
  checkLabel: {
    ttm_revenue: '直近 12 か月 (TTM) の CSP 取引収益',
    assessment_score: '再評価アンケートの評価スコア（100 点満点）',
    support_plan_renewal: 'サポート プランの更新（ASfP または PSfP）',
    mfa_admins: '管理者ユーザーの多要素認証 (MFA)',
    security_contact: 'パートナー センターのセキュリティ連絡先',
    alert_response: 'セキュリティ アラートへの対応',
  },
  result: { pass: '充足', fail: '未充足', unknown: '確認中' },
  revenueWindow: (from, to) => `対象期間 ${from}～${to}`,
  questionnaire: (date) => `${date}回答分`,
  renewedTerm: (plan, starts) => `${plan ?? '新しい契約'}（${starts}開始）`,
  notRenewed: () => '未更新',
  renewalRequired: (after, by) => `${after}より後に開始する ASfP または PSfP の契約${by ? `（期限：${by}）` : ''}`,
  mfa: {
    counted: (part, whole) => `管理者ユーザー ${whole} 名中 ${part} 名`,
    all: '管理者ユーザーの 100%',
    atLeast: (pct) => `管理者ユーザーの ${pct} 以上`,
  },
  alerts: {
    counted: (part, whole) => `アラート ${whole} 件中 ${part} 件に期限内に対応`,
    all: 'アラートの 100% に期限内に対応',
    atLeast: (pct) => `アラートの ${pct} 以上に期限内に対応`,
    none: '対象期間のセキュリティ アラートなし',
    averageHours: (hours) => `平均 ${hours} 時間`,
    atMostHours: (hours) => `平均 ${hours} 時間以内`,
  },
  contact: {
    none: '未登録',
    provided: '登録済み',
    malformed: 'メール アドレスの形式が正しくありません',
    required: '有効なメール アドレスの登録',
    notRequired: '不要',
  },
};
