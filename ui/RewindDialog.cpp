#include "RewindDialog.h"

#include "GroupActions.h"
#include "Palette.h"

#include <QButtonGroup>
#include <QCoreApplication>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QRadioButton>
#include <QTimer>
#include <QVBoxLayout>

namespace streamscope {

namespace {
// The dialog's preview is seconds old when the user clicks: a live group's consumers have read
// on meanwhile. That alone does not refuse the apply (the outcome gives the count as applied);
// a group moved back, or a rewind that would have become a skip, still does.
RewindOptions liveGroupOptions() {
    RewindOptions o;
    o.acceptReadSincePreview = true;
    return o;
}
} // namespace

RewindDialog::RewindDialog(GroupActions *actions, QByteArray stream, QByteArray group,
                           bool readOnly, QWidget *parent)
    : QDialog(parent)
    , m_actions(actions)
    , m_stream(std::move(stream))
    , m_group(std::move(group))
    , m_readOnly(readOnly) {
    setWindowTitle(
        tr("Rewind or skip %1 of %2").arg(QString::fromUtf8(m_group), QString::fromUtf8(m_stream)));
    auto *intro = new QLabel(tr("Where group %1 continues: the next entry it receives is the "
                                "first entry at or after the point chosen.")
                                 .arg(QString::fromUtf8(m_group)));
    intro->setWordWrap(true);
    m_start = new QRadioButton(tr("The stream's start (everything again)"));
    m_end = new QRadioButton(tr("The end (only entries added from now on)"));
    m_atTime = new QRadioButton(tr("A time"));
    m_atEntry = new QRadioButton(tr("An entry ID"));
    m_choices = new QButtonGroup(this);
    m_choices->addButton(m_start, int(Choice::Start));
    m_choices->addButton(m_end, int(Choice::End));
    m_choices->addButton(m_atTime, int(Choice::Time));
    m_choices->addButton(m_atEntry, int(Choice::Entry));
    // A whole second: the field shows no milliseconds, so the moment rewound to has none
    // either (the button said "11:17:04.037" under a field showing 11:17:04).
    QDateTime fifteenMinutesAgo = QDateTime::currentDateTime().addSecs(-15 * 60);
    fifteenMinutesAgo.setTime(QTime(fifteenMinutesAgo.time().hour(),
                                    fifteenMinutesAgo.time().minute(),
                                    fifteenMinutesAgo.time().second()));
    m_time = new QDateTimeEdit(fifteenMinutesAgo);
    m_time->setObjectName(QStringLiteral("rewindTime"));
    m_time->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    m_time->setCalendarPopup(true);
    m_id = new QLineEdit;
    m_id->setObjectName(QStringLiteral("rewindId"));
    m_id->setPlaceholderText(QStringLiteral("1700000000000-0"));
    m_preview = new QPlainTextEdit;
    m_preview->setObjectName(QStringLiteral("rewindPreview"));
    m_preview->setReadOnly(true);
    m_preview->setFrameShape(QFrame::NoFrame);
    m_preview->viewport()->setAutoFillBackground(false); // reads as text, not as an input
    m_preview->setMinimumHeight(fontMetrics().lineSpacing() * 12);
    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("rewindError"));
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::PlainText);
    m_error->setStyleSheet(toneStyle(Tone::Critical));
    m_result = new QLabel;
    m_result->setObjectName(QStringLiteral("rewindResult"));
    m_result->setWordWrap(true);
    m_result->setTextFormat(Qt::PlainText);
    m_apply = new QPushButton(tr("Rewind"));
    m_apply->setObjectName(QStringLiteral("rewindApply"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(m_apply, QDialogButtonBox::ApplyRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_apply, &QPushButton::clicked, this, &RewindDialog::apply);

    // A preview a moment after the last change (typing an ID, spinning the time).
    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(300);
    connect(m_debounce, &QTimer::timeout, this, &RewindDialog::preview);
    auto changed = [this] {
        m_plan.reset();
        updateApply();
        m_debounce->start();
    };
    connect(m_choices, &QButtonGroup::idClicked, this, changed);
    connect(m_time, &QDateTimeEdit::dateTimeChanged, this, [this, changed] {
        m_atTime->setChecked(true);
        changed();
    });
    connect(m_id, &QLineEdit::textEdited, this, [this, changed] {
        m_atEntry->setChecked(true);
        changed();
    });

    auto *grid = new QGridLayout;
    grid->addWidget(m_start, 0, 0, 1, 2);
    grid->addWidget(m_end, 1, 0, 1, 2);
    grid->addWidget(m_atTime, 2, 0);
    grid->addWidget(m_time, 2, 1);
    grid->addWidget(m_atEntry, 3, 0);
    grid->addWidget(m_id, 3, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(grid);
    layout->addWidget(m_error);
    layout->addWidget(m_preview, 1);
    layout->addWidget(m_result);
    layout->addWidget(buttons);
    m_atTime->setChecked(true);
    updateApply();
    resize(qMax(sizeHint().width(), fontMetrics().averageCharWidth() * 90),
           qMax(sizeHint().height(), fontMetrics().height() * 22));
    m_debounce->start();
}

void RewindDialog::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    updateApply();
}

void RewindDialog::choose(Choice choice) {
    m_choices->button(int(choice))->setChecked(true);
    m_plan.reset();
    updateApply();
    preview();
}

void RewindDialog::setTime(const QDateTime &moment) {
    m_time->setDateTime(moment);
    m_atTime->setChecked(true); // also when the time was already this one
    m_plan.reset();
    updateApply();
    m_debounce->start();
}

void RewindDialog::setEntryId(const QString &id) {
    m_id->setText(id);
    m_atEntry->setChecked(true);
    m_plan.reset();
    updateApply();
    m_debounce->start();
}

std::optional<RewindTarget> RewindDialog::target() {
    switch (Choice(m_choices->checkedId())) {
    case Choice::Start:
        return RewindTarget::start();
    case Choice::End:
        return RewindTarget::end();
    case Choice::Time:
        return RewindTarget::time(m_time->dateTime());
    case Choice::Entry: {
        auto t = RewindTarget::parse(m_id->text(), QDate::currentDate());
        if (!t.ok() || t->kind != RewindTarget::Kind::Entry || t->isTime) {
            m_error->setText(t.ok() ? tr("Type an entry ID such as 1700000000000-0 (or choose "
                                         "the start, the end or a time above).")
                                    : QString(t.error().message).remove(QStringLiteral("--to ")));
            return std::nullopt;
        }
        return t.value();
    }
    }
    return std::nullopt;
}

void RewindDialog::preview() {
    m_debounce->stop();
    m_error->clear();
    const int request = ++m_request; // an answer to an older request is dropped
    m_plan.reset();
    updateApply();
    const auto t = target();
    if (!t) {
        m_preview->clear();
        return;
    }
    if (!m_actions) {
        m_error->setText(tr("Not connected."));
        return;
    }
    m_preview->setPlainText(tr("Looking at the group and the stream..."));
    QPointer<RewindDialog> self(this);
    m_actions->worker()->post([self, request, stream = m_stream, group = m_group,
                               target = *t](RedisClient *c, const QString &error) {
        Result<RewindPlan> plan = c ? planRewind(*c, stream, group, target)
                                    : Result<RewindPlan>(Error(Error::Kind::Connect, error));
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, request, plan] {
                if (self)
                    self->showPlan(request, plan);
            },
            Qt::QueuedConnection);
    });
}

void RewindDialog::showPlan(int request, const Result<RewindPlan> &plan) {
    if (request != m_request)
        return; // the choice changed since: a newer preview is on its way
    if (!plan.ok()) {
        m_preview->clear();
        m_error->setText(plan.error().message);
        Q_EMIT previewed(plan.error().message);
        return;
    }
    m_error->clear();
    m_plan = plan.value();
    // A sentence a paragraph: now, after, the count, the pending entries, the lag.
    m_preview->setPlainText(m_plan->describe().replace(QLatin1Char('\n'), QStringLiteral("\n\n")));
    updateApply();
    Q_EMIT previewed(QString());
}

void RewindDialog::apply() {
    if (!m_plan || m_readOnly || m_busy || !m_actions)
        return;
    m_busy = true;
    m_result->clear();
    updateApply();
    QPointer<RewindDialog> self(this);
    m_actions->worker()->post([self, plan = *m_plan](RedisClient *c, const QString &error) {
        Result<RewindOutcome> outcome =
            c ? applyRewind(*c, plan, liveGroupOptions())
              : Result<RewindOutcome>(Error(Error::Kind::Connect, error));
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, outcome] {
                if (self)
                    self->showOutcome(outcome);
            },
            Qt::QueuedConnection);
    });
}

void RewindDialog::showOutcome(const Result<RewindOutcome> &outcome) {
    m_busy = false;
    if (!outcome.ok()) {
        m_result->setStyleSheet(toneStyle(Tone::Critical));
        m_result->setText(tr("Not applied: %1").arg(outcome.error().message));
        m_plan.reset(); // what the group is now is not known: preview again
        m_preview->setPlainText(tr("Preview again to see the group as it is now."));
        updateApply();
        Q_EMIT applied(false, outcome.error().message);
        return;
    }
    if (outcome->kind == RewindOutcome::Kind::Moved) {
        ++m_request; // a preview under way describes the group before the refusal
        m_result->setStyleSheet(toneStyle(Tone::Warning));
        m_result->setText(outcome->message);
        m_plan = outcome->current;
        m_preview->setPlainText(
            m_plan->describe().replace(QLatin1Char('\n'), QStringLiteral("\n\n")));
        updateApply();
        Q_EMIT applied(false, outcome->message);
        return;
    }
    m_result->setStyleSheet(toneStyle(Tone::Ok));
    m_result->setText(outcome->message);
    m_plan.reset(); // applied: the preview shown is the past; a new one follows
    updateApply();
    Q_EMIT applied(true, outcome->message);
    preview();
}

void RewindDialog::updateApply() {
    m_apply->setText(m_plan ? m_plan->summary() : tr("Rewind"));
    m_apply->setEnabled(m_plan && !m_readOnly && !m_busy && m_actions);
    m_apply->setToolTip(m_readOnly ? tr("Read-only mode: nothing that changes data is sent. "
                                        "Turn read-only mode off to rewind or skip the group.")
                        : m_busy   ? tr("Applying...")
                        : !m_plan  ? tr("Waiting for the preview")
                                   : m_plan->commandText());
}

QString RewindDialog::previewText() const {
    return m_preview->toPlainText();
}

QString RewindDialog::errorText() const {
    return m_error->text();
}

QString RewindDialog::resultText() const {
    return m_result->text();
}

} // namespace streamscope
