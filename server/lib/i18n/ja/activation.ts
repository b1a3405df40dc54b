/** ja messages: the activation feature (issue 13). */
export const ja = {
  'activation.title': 'アカウントの有効化',
  'activation.intro':
    '職員が最初のパスワードを設定すると、アカウントが有効になります。メールアドレスのある職員には案内メールを、ない職員には印刷用の案内票（QRコード付き）を発行します。',
  'activation.allDepartments': 'すべての所属',
  'activation.filter.status': '状態',
  'activation.filter.all': 'すべて',
  'activation.filter.pending': '未有効化',
  'activation.filter.activated': '有効化済み',
  'activation.countsFor': '{department} の状況',
  'activation.count.total': '在職者',
  'activation.count.activated': '有効化済み',
  'activation.count.signedIn': 'ログインしたことがある',
  'activation.count.pending': '未有効化',
  'activation.count.invited': 'うち案内中',
  'activation.count.notInvited': 'うち未案内',
  'activation.issue.title': '案内を発行する',
  'activation.issue.allDone': 'この範囲の在職者は全員がアカウントを有効化しています。',
  'activation.issue.explain':
    '未有効化の職員 {pending} 人のうち、メールアドレスのある {withEmail} 人には案内メールを送り、ない {withoutEmail} 人には案内票を印刷します。',
  'activation.issue.include': '対象',
  'activation.issue.include.notInvited': 'まだ案内していない職員だけ（{n} 人）。配布済みの案内票やメールはそのまま使えます。',
  'activation.issue.include.all': '未有効化の職員全員（{n} 人）。以前に発行した案内票・メールのリンクは無効になります。',
  'activation.issue.delivery': '案内の方法',
  'activation.issue.delivery.auto': 'メールアドレスのある職員にはメール、ない職員には案内票',
  'activation.issue.delivery.slips': '全員に案内票（メールは送らない）',
  'activation.issue.validDays': '有効期間（日）',
  'activation.issue.validDays.hint': '案内メールのリンクと案内票のコードが使える日数です（1〜{max} 日）。配布期間に合わせてください。',
  'activation.issue.reauthHint': '対象に事務局・管理者のアカウント（{n} 人）が含まれるため、あなた自身のパスワードが必要です。',
  'activation.issue.slipsOnce': '案内票のコードは発行した画面にだけ表示されます。発行後すぐに印刷してください。',
  'activation.issue.submit': '案内を発行',
  'activation.issue.busy': '発行しています…',
  'activation.issue.nothing': '案内を発行する対象の職員はいませんでした。',
  'activation.issue.tooMany': '一度に発行できるのは 5,000 人までです。所属を選んで発行してください。',
  'activation.issued': '案内を発行しました：メール {mailed} 人、案内票 {slips} 人。',
  'activation.list.title': '職員ごとの状況',
  'activation.list.caption': '{department} の職員とアカウントの状態',
  'activation.list.email': 'メール',
  'activation.list.state': 'アカウント',
  'activation.list.lastLogin': '最終ログイン',
  'activation.list.truncated': '先頭の {shown} 人を表示しています。所属を選ぶと絞り込めます。',
  'activation.email.yes': 'あり',
  'activation.email.no': 'なし',
  'activation.state.activated': '有効化済み',
  'activation.state.passwordOnly': 'パスワード設定済み（未ログイン）',
  'activation.state.invitedMail': 'メールで案内中（{until} まで）',
  'activation.state.invitedSlip': '案内票で案内中（{until} まで）',
  'activation.state.expired': '案内の期限切れ（{until}）',
  'activation.state.none': '未案内',
  'activation.state.opened': '案内票のコードが開かれました（{at}）',
  'activation.slips.title': 'アカウント有効化の案内票',
  'activation.slips.once':
    'この画面を閉じると案内票は再表示できません（コードは保存されていません）。もう一度必要なときは、対象を「未有効化の職員全員」にして再発行してください。以前の案内票は無効になります。',
  'activation.slips.print': '印刷する',
  'activation.slips.back': 'アカウントの有効化へ戻る',
  'activation.slips.printHint':
    '{count} 人分、A4 用紙 {sheets} 枚。印刷の設定で「余白なし」または「デフォルト」、倍率 100% を選び、点線で切り分けて本人に手渡してください。',
  'activation.slips.sheet': '案内票（A4 1 枚分）',
  'activation.slip.title': '研修システム アカウント有効化のご案内',
  'activation.slip.name': '{name} 様',
  'activation.slip.employeeNo': '職員番号',
  'activation.slip.department': '所属',
  'activation.slip.code': 'コード',
  'activation.slip.howTo':
    'スマートフォン等で QR コードを読み取るか、院内の PC で次のアドレスを開き、パスワードを設定してください。設定するとそのままログインします。',
  'activation.slip.typeAt': '{url} を開いてコードを入力することもできます。',
  'activation.slip.expires': '有効期限 {at}',
  'activation.slip.loginId': '次回からのログインIDは職員番号です。',
  'activation.slip.keep': 'この案内票は他人に渡さず、パスワードを設定したら破棄してください。',
  'activation.slip.qrLabel': 'パスワード設定ページのアドレスの QR コード',
  'activation.code.title': 'アカウントの有効化',
  'activation.code.intro': '案内票に印刷されたコードを入力してください。パスワードの設定画面に進みます。',
  'activation.code.label': 'コード（10 文字）',
  'activation.code.hint': '例: 7K3M9-QX2PD（ハイフンはなくてもかまいません）',
  'activation.code.submit': '次へ',
  'activation.code.help': 'コードが使えないときは、研修の事務局（医療情報システム安全管理責任者）に新しい案内票を依頼してください。',
  'activation.code.invalid':
    'このコードは使えません。入力の誤り、有効期限切れ、新しい案内票の発行、またはすでにパスワードを設定済みのいずれかです。',
  'activation.code.tooMany': '誤ったコードの入力が続いたため、しばらく受け付けません。15 分ほどおいてからもう一度お試しください。',
  'activation.mail.subject': '【{hospital}】情報セキュリティ研修システムのアカウント有効化のお願い',
  'activation.mail.body': `{name} 様

{hospital} の情報セキュリティ研修システム（Mamoru）に、あなたのアカウントが用意されました。
次のリンクを開いてパスワードを設定してください。設定すると、そのままログインします。

{link}

・このリンクは {expiresAt} まで、1回だけ使えます。
・次回からのログインIDは職員番号（{employeeNo}）またはこのメールアドレスです。
・リンクは他の人に転送しないでください。心当たりのない場合は、このメールを破棄してください。

{hospital} 研修事務局
`,
  'activation.passwordSetSignedIn': 'パスワードを設定しました。ログインしています。',
  'audit.action.activation.issue': 'アカウント有効化の案内を一括発行',
  'audit.action.account.activation-issued': 'アカウント有効化の案内を発行',
  'audit.action.account.activation-opened': '案内票のコードからパスワード設定画面を開いた',
} as const;
