#include "FindingsView.h"

#include "Confirm.h"

#include "FindingsModel.h"
#include "GroupActions.h"
#include "Palette.h"
#include "Wording.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSet>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace streamscope {

namespace {

QString q(const QByteArray &name) {
    return QString::fromUtf8(name);
}

// Which finding is shown, so that the selection stays on it across snapshots.
QByteArray findingKey(const Finding &f) {
    return f.kind.toUtf8() + '\n' + groupKey(f.stream, f.group) + '\n' + f.consumer + '\n'
           + (f.entryId ? f.entryId->toByteArray() : QByteArray());
}

QString where(const Finding &f) {
    return QObject::tr("group %1 on %2").arg(q(f.group), q(f.stream));
}

// Thresholds below a second (a test's) in ms, never "0 s".
QString idleText(qint64 ms) {
    return ms < 1000 ? QStringLiteral("%1 ms").arg(ms) : formatDuration(ms);
}

QString idList(const QList<QByteArray> &ids) {
    const int shown = 5;
    QStringList out;
    for (int i = 0; i < ids.size() && i < shown; ++i)
        out << q(ids.at(i));
    if (ids.size() > shown)
        out << QObject::tr("and %1 more").arg(formatCount(ids.size() - shown));
    return out.join(QLatin1String(", "));
}

} // namespace

FindingsView::FindingsView(QWidget *parent)
    : QWidget(parent)
    , m_model(new FindingsModel(this)) {
    confirm = [this](const QString &title, const QString &text, const QString &actionLabel,
                     bool destructive) {
        return confirmAction(this, title, text, actionLabel, destructive);
    };
    m_freshness.state = Freshness::State::Current; // until told otherwise

    m_note = new QLabel;
    m_note->setObjectName(QStringLiteral("findingsNote"));
    m_note->setWordWrap(true);
    m_note->hide();

    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("findings"));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->setWordWrap(false);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(FindingsModel::MessageColumn,
                                                      QHeaderView::Stretch);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &FindingsView::onCurrentChanged);
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        const Finding &f = m_model->finding(index.row());
        Q_EMIT groupWanted(f.stream, f.group);
    });

    // The details pane: the finding whole, then what can be done about it.
    m_title = new QLabel;
    m_title->setObjectName(QStringLiteral("findingTitle"));
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("findingMessage"));
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_facts = new QLabel;
    m_facts->setObjectName(QStringLiteral("findingFacts"));
    m_facts->setWordWrap(true);
    m_facts->setTextFormat(Qt::PlainText);
    m_facts->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_repairRow = new QWidget;
    auto *row = new QHBoxLayout(m_repairRow);
    row->setContentsMargins(0, 0, 0, 0);
    const std::pair<Repair, QString> buttons[] = {
        {Repair::Acknowledge, tr("Acknowledge...")},
        {Repair::DeadLetter, tr("Move to dead letters...")},
        {Repair::Claim, tr("Claim for...")},
        {Repair::Autoclaim, tr("Autoclaim for...")},
        {Repair::DeleteConsumer, tr("Delete consumer...")}};
    m_claimTarget = new QComboBox;
    m_claimTarget->setObjectName(QStringLiteral("claimTarget"));
    m_claimTarget->setToolTip(tr("The live consumer that takes the entries"));
    m_claimTarget->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    for (const auto &[repair, label] : buttons) {
        auto *b = new QPushButton(label);
        m_buttons.insert(int(repair), b);
        connect(b, &QPushButton::clicked, this, [this, r = repair] { this->repair(r); });
        row->addWidget(b);
        if (repair == Repair::Autoclaim) {
            row->addWidget(new QLabel(tr("consumer:")));
            row->addWidget(m_claimTarget);
        }
    }
    m_buttons.value(int(Repair::Acknowledge))->setObjectName(QStringLiteral("acknowledge"));
    m_buttons.value(int(Repair::DeadLetter))->setObjectName(QStringLiteral("deadLetter"));
    m_buttons.value(int(Repair::Claim))->setObjectName(QStringLiteral("claim"));
    m_buttons.value(int(Repair::Autoclaim))->setObjectName(QStringLiteral("autoclaim"));
    m_buttons.value(int(Repair::DeleteConsumer))->setObjectName(QStringLiteral("deleteConsumer"));
    row->addStretch();
    m_repairNote = new QLabel;
    m_repairNote->setObjectName(QStringLiteral("repairNote"));
    m_repairNote->setWordWrap(true);
    m_result = new QLabel;
    m_result->setObjectName(QStringLiteral("repairResult"));
    m_result->setWordWrap(true);
    m_result->setTextFormat(Qt::PlainText);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *details = new QWidget;
    auto *detailsLayout = new QVBoxLayout(details);
    detailsLayout->addWidget(m_title);
    detailsLayout->addWidget(m_message);
    detailsLayout->addWidget(m_facts);
    detailsLayout->addWidget(m_repairRow);
    detailsLayout->addWidget(m_repairNote);
    detailsLayout->addWidget(m_result);
    detailsLayout->addStretch();
    // A long advice at a small window scrolls; it is never cut.
    auto *scroll = new QScrollArea;
    scroll->setObjectName(QStringLiteral("findingDetails"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(details);

    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(m_table);
    split->addWidget(scroll);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_note);
    layout->addWidget(split);
    updateDetails();
}

FindingsView::~FindingsView() = default;

QPushButton *FindingsView::button(Repair repair) const {
    return m_buttons.value(int(repair));
}

const Finding *FindingsView::currentFinding() const {
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    if (!current.isValid() || current.row() >= m_model->rowCount())
        return nullptr;
    return &m_model->finding(current.row());
}

void FindingsView::selectFinding(int row) {
    if (row < 0 || row >= m_model->rowCount())
        m_table->selectionModel()->clear();
    else
        m_table->selectRow(row);
    onCurrentChanged();
}

void FindingsView::setFindings(const FindingList &findings, bool partial,
                               const QString &partialWhy) {
    const QByteArray keep = m_currentKey;
    m_partial = partial;
    m_partialWhy = partialWhy;
    m_model->setFindings(findings);
    int row = -1;
    for (int r = 0; r < m_model->rowCount() && !keep.isEmpty(); ++r)
        if (findingKey(m_model->finding(r)) == keep)
            row = r;
    // Nothing chosen yet: the most severe finding (the first row) shows its advice at once.
    if (keep.isEmpty() && m_model->rowCount() > 0)
        row = 0;
    // A finding the last poll no longer reports leaves the details pane with its row.
    if (row >= 0)
        m_table->selectRow(row);
    onCurrentChanged();
    updateNote();
}

void FindingsView::showSnapshot(const GroupSnapshot &snapshot, bool partial,
                                const QString &partialWhy) {
    m_consumers.clear();
    for (const StreamStatus &s : snapshot.streams)
        for (const GroupStatus &g : s.groups)
            m_consumers.insert(groupKey(s.info.name, g.name), g.consumerList);
    m_consumersKnown = true;
    FindingList all;
    for (auto it = snapshot.findings.cbegin(); it != snapshot.findings.cend(); ++it)
        all.append(it.value());
    setFindings(all, partial, partialWhy);
}

void FindingsView::setActions(GroupActions *actions) {
    if (m_actions)
        disconnect(m_actions->worker(), nullptr, this, nullptr);
    m_actions = actions;
    m_job.reset(); // what the old connection was asked is no longer awaited
    m_runningRepair = 0;
    if (actions) {
        connect(actions->worker(), &GroupActionsWorker::pendingFound, this,
                &FindingsView::onPendingFound);
        connect(actions->worker(), &GroupActionsWorker::repairFinished, this,
                [this](int tag, bool ok, const QString &message) {
                    if (tag == m_runningRepair)
                        finish(ok, message);
                });
    }
    updateButtons();
}

void FindingsView::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    updateButtons();
}

void FindingsView::setPermissions(const Permissions &permissions) {
    m_permissions = permissions;
    updateButtons();
}

void FindingsView::setFreshness(const Freshness &freshness) {
    if (freshness == m_freshness)
        return;
    m_freshness = freshness;
    m_model->setCurrent(freshness.isCurrent());
    updateNote();
    updateDetails();
}

void FindingsView::updateNote() {
    QStringList lines;
    if (!m_freshness.isCurrent()) {
        // The session names why; when it does not, the state does.
        Freshness said = m_freshness;
        if (said.reason.isEmpty())
            said.reason = said.state == Freshness::State::NotConnected ? tr("not connected")
                          : said.state == Freshness::State::Replaced
                              ? tr("the connection is being replaced")
                              : tr("the server does not answer");
        lines << said.describe();
    }
    if (m_partial)
        lines << (m_partialWhy.isEmpty() ? tr("Partial: some groups were not judged.")
                                         : tr("Partial: %1").arg(m_partialWhy));
    m_note->setText(lines.join(QLatin1Char('\n')));
    m_note->setStyleSheet(toneStyle(m_freshness.isCurrent() ? Tone::Warning : Tone::Muted));
    m_note->setVisible(!lines.isEmpty());
}

void FindingsView::onCurrentChanged() {
    const Finding *f = currentFinding();
    const QByteArray key = f ? findingKey(*f) : QByteArray();
    if (key != m_currentKey)
        m_result->clear(); // the outcome of a repair belongs to the finding it was for
    m_currentKey = key;
    updateDetails();
}

QList<FindingsView::Repair> FindingsView::repairsFor(const Finding &f) const {
    if (f.kind == QLatin1String("dead-consumer"))
        return {Repair::Claim, Repair::Autoclaim, Repair::DeleteConsumer};
    if (f.kind == QLatin1String("stuck-entry"))
        return {Repair::Acknowledge, Repair::Claim, Repair::Autoclaim};
    if (f.kind == QLatin1String("poison-entry"))
        return {Repair::Acknowledge, Repair::DeadLetter};
    return {};
}

QList<QByteArray> FindingsView::poisonIds(const Finding &finding) const {
    // Every poison entry of the group (the rule reports a few at most): they go together.
    QList<QByteArray> ids;
    for (const Finding &f : m_model->findings())
        if (f.kind == QLatin1String("poison-entry") && f.stream == finding.stream
            && f.group == finding.group && f.entryId)
            ids.append(f.entryId->toByteArray());
    return ids;
}

QList<QByteArray> FindingsView::liveConsumers(const QByteArray &stream,
                                              const QByteArray &group) const {
    QSet<QByteArray> dead;
    for (const Finding &f : m_model->findings())
        if (f.kind == QLatin1String("dead-consumer") && f.stream == stream && f.group == group)
            dead.insert(f.consumer);
    QList<ConsumerStatus> consumers = m_consumers.value(groupKey(stream, group));
    std::stable_sort(
        consumers.begin(), consumers.end(),
        [](const ConsumerStatus &a, const ConsumerStatus &b) { return a.quietMs() < b.quietMs(); });
    QList<QByteArray> out;
    for (const ConsumerStatus &c : consumers)
        if (!dead.contains(c.name))
            out.append(c.name);
    return out;
}

void FindingsView::updateDetails() {
    const Finding *f = currentFinding();
    const bool current = m_freshness.isCurrent();
    // Greyed while not current, as the table.
    const QString style = current ? QString() : toneStyle(Tone::Muted);
    m_title->setStyleSheet(style);
    m_message->setStyleSheet(style);
    m_facts->setStyleSheet(style);
    if (!f) {
        m_title->setText(m_model->rowCount() ? tr("Select a finding to see what to do.")
                                             : tr("Nothing found."));
        m_message->clear();
        m_facts->clear();
        m_facts->hide();
        m_message->hide();
    } else {
        m_title->setText(tr("%1: %2, %3").arg(severityName(f->severity), f->kind, where(*f)));
        m_message->setText(f->message);
        m_message->show();
        QStringList facts;
        if (!f->consumer.isEmpty())
            facts << tr("consumer %1").arg(q(f->consumer));
        if (f->count)
            facts << (f->kind == QLatin1String("dead-consumer")
                          ? countOf(*f->count, "pending entry", "pending entries")
                          : countOf(*f->count, "entry", "entries"));
        if (f->entryId)
            facts << tr("entry %1").arg(f->entryId->toString());
        if (f->idleMs)
            facts << tr("idle %1").arg(idleText(*f->idleMs));
        if (f->deliveries)
            facts << countOf(*f->deliveries, "delivery", "deliveries");
        if (!current && !m_freshness.lastUpdatedText().isEmpty())
            facts << m_freshness.lastUpdatedText();
        m_facts->setText(facts.join(QStringLiteral(" \u00b7 ")));
        m_facts->setVisible(!facts.isEmpty());
    }

    // The claim targets follow the finding's group.
    const QString chosen = m_claimTarget->currentText();
    m_claimTarget->clear();
    if (f)
        for (const QByteArray &c : liveConsumers(f->stream, f->group))
            if (!(f->kind == QLatin1String("dead-consumer") && c == f->consumer))
                m_claimTarget->addItem(q(c), c);
    const int again = m_claimTarget->findText(chosen);
    if (again >= 0)
        m_claimTarget->setCurrentIndex(again);
    updateButtons();
}

QString FindingsView::whyDisabled(Repair repair) const {
    if (!m_actions)
        return tr("Not connected.");
    if (m_readOnly)
        return tr("Read-only mode: nothing that changes data is sent.");
    if (!m_freshness.isCurrent())
        return tr("The findings are not current (%1): repairs wait until they are.")
            .arg(m_freshness.reason.isEmpty() ? m_freshness.lastUpdatedText() : m_freshness.reason);
    if (m_job)
        return tr("A repair is under way.");
    QString forbidden;
    switch (repair) {
    case Repair::Acknowledge:
        forbidden = forbiddenReason(m_permissions, {"XPENDING", "XACK"});
        break;
    case Repair::Claim:
        forbidden = forbiddenReason(m_permissions, {"XPENDING", "XCLAIM"});
        break;
    case Repair::Autoclaim:
        forbidden = forbiddenReason(m_permissions, {"XAUTOCLAIM"});
        break;
    case Repair::DeleteConsumer:
        forbidden = forbiddenReason(m_permissions, {"XPENDING", "XGROUP|DELCONSUMER"});
        break;
    case Repair::DeadLetter:
        // Moved in one transaction (or a script): the copy and the acknowledgement.
        forbidden = forbiddenReason(m_permissions, {"XPENDING", "XRANGE", "XADD", "XACK"});
        break;
    }
    if (!forbidden.isEmpty())
        return forbidden;
    if ((repair == Repair::Claim || repair == Repair::Autoclaim) && m_claimTarget->count() == 0) {
        const Finding *f = currentFinding();
        return m_consumersKnown && f
                   ? tr("No live consumer in %1 to take the entries: start its service first.")
                         .arg(where(*f))
                   : tr("The group's consumers are not known yet.");
    }
    return {};
}

void FindingsView::updateButtons() {
    const Finding *f = currentFinding();
    const QList<Repair> repairs = f ? repairsFor(*f) : QList<Repair>();
    QStringList reasons;
    for (auto it = m_buttons.cbegin(); it != m_buttons.cend(); ++it) {
        const Repair r = Repair(it.key());
        QPushButton *b = it.value();
        const bool fits = repairs.contains(r);
        b->setVisible(fits);
        const QString why = fits ? whyDisabled(r) : QString();
        b->setEnabled(fits && why.isEmpty());
        b->setToolTip(why);
        if (!why.isEmpty() && !reasons.contains(why))
            reasons << why;
    }
    const bool claims = repairs.contains(Repair::Claim) || repairs.contains(Repair::Autoclaim);
    m_claimTarget->setVisible(claims);
    m_claimTarget->setEnabled(claims && m_claimTarget->count() > 0 && m_actions && !m_readOnly);
    // The consumer label sits right before the combo box.
    auto *row = static_cast<QHBoxLayout *>(m_repairRow->layout());
    const int at = row->indexOf(m_claimTarget);
    if (at > 0)
        if (QWidget *label = row->itemAt(at - 1)->widget())
            label->setVisible(claims);
    m_repairRow->setVisible(!repairs.isEmpty());
    if (f && repairs.isEmpty())
        reasons = QStringList{tr("No repair from here: the advice above says what to do.")};
    m_repairNote->setText(reasons.join(QLatin1Char('\n')));
    m_repairNote->setStyleSheet(toneStyle(Tone::Muted));
    m_repairNote->setVisible(!reasons.isEmpty());
}

void FindingsView::repair(Repair repair) {
    const Finding *f = currentFinding();
    if (!f || !repairsFor(*f).contains(repair) || !whyDisabled(repair).isEmpty())
        return;
    Job job;
    job.repair = repair;
    job.finding = *f;
    job.target = m_claimTarget->currentData().toByteArray();
    if (repair == Repair::Autoclaim)
        return confirmAndRun(job, {}, false);
    if (f->kind == QLatin1String("poison-entry"))
        return confirmAndRun(job, poisonIds(*f), false);
    // The entries it covers are read now, so that the confirmation names what is done.
    const bool consumers = f->kind == QLatin1String("dead-consumer");
    const QByteArray consumer = consumers ? f->consumer : QByteArray();
    const qint64 minIdle = consumers ? 0 : f->minIdleMs.value_or(f->idleMs.value_or(0));
    job.request = ++m_nextRequest;
    m_job = job;
    m_result->setText(tr("Reading the pending entries..."));
    updateButtons();
    GroupActionsWorker *w = m_actions->worker();
    const QByteArray s = f->stream, g = f->group;
    const int request = job.request;
    QMetaObject::invokeMethod(
        w,
        [w, request, s, g, consumer, minIdle] {
            w->findPending(request, s, g, consumer, minIdle, maxEntries + 1);
        },
        Qt::QueuedConnection);
}

void FindingsView::onPendingFound(int request, const PendingEntryList &entries,
                                  const QString &error) {
    if (!m_job || m_job->request != request)
        return;
    const Job job = *m_job;
    m_job.reset();
    updateButtons();
    if (!error.isEmpty())
        return finish(
            false,
            tr("The pending entries of %1 could not be read: %2").arg(where(job.finding), error));
    QList<QByteArray> ids;
    for (const PendingEntry &p : entries)
        if (ids.size() < maxEntries)
            ids.append(p.id.toByteArray());
    const bool more = entries.size() > maxEntries;
    if (ids.isEmpty() && job.repair != Repair::DeleteConsumer)
        return finish(true, tr("Nothing to do: no entry of %1 is pending any more.")
                                .arg(job.finding.kind == QLatin1String("dead-consumer")
                                         ? tr("consumer %1").arg(q(job.finding.consumer))
                                         : where(job.finding)));
    confirmAndRun(job, ids, more);
}

void FindingsView::confirmAndRun(const Job &job, const QList<QByteArray> &ids, bool more) {
    const Finding &f = job.finding;
    const QString group = where(f);
    const QString target = q(job.target);
    // "1,000 entries" or, past the page, "the first 1,000 entries".
    const QString entries = more ? tr("the first %1").arg(countOf(ids.size(), "entry", "entries"))
                                 : countOf(ids.size(), "entry", "entries");
    QString title, text, label;
    bool destructive = false;
    qint64 count = ids.size();
    switch (job.repair) {
    case Repair::Acknowledge:
        title = tr("Acknowledge entries");
        label = tr("Acknowledge %1").arg(countOf(ids.size(), "entry", "entries"));
        text = tr("Acknowledge %1 of %2 (%3)? They leave the pending list as done: no consumer "
                  "is given them again.")
                   .arg(entries, group, idList(ids));
        destructive = true;
        break;
    case Repair::Claim:
        title = tr("Claim entries");
        label = tr("Claim %1 for %2").arg(countOf(ids.size(), "entry", "entries"), target);
        text = tr("Give %1 pending in %2 (%3) to consumer %4?")
                   .arg(entries, group, idList(ids), target);
        break;
    case Repair::Autoclaim: {
        count = std::clamp<qint64>(f.count.value_or(100), 1, maxEntries);
        const qint64 minIdle = f.minIdleMs.value_or(f.idleMs.value_or(0));
        title = tr("Autoclaim entries");
        label = tr("Autoclaim up to %1 for %2").arg(countOf(count, "entry", "entries"), target);
        text = tr("Give consumer %1 up to %2 of %3 that have been pending for at least %4 "
                  "(XAUTOCLAIM, oldest first)? Entries no longer in the stream leave the pending "
                  "list.")
                   .arg(target, countOf(count, "entry", "entries"), group, idleText(minIdle));
        break;
    }
    case Repair::DeleteConsumer: {
        const QString holds =
            more ? tr("at least %1").arg(countOf(ids.size(), "pending entry", "pending entries"))
                 : countOf(ids.size(), "pending entry", "pending entries");
        title = tr("Delete consumer");
        label = tr("Delete consumer %1 (holds %2)").arg(q(f.consumer), holds);
        text = ids.isEmpty()
                   ? tr("Delete consumer %1 from %2? It holds no pending entries.")
                         .arg(q(f.consumer), group)
                   : tr("Delete consumer %1 from %2? It still holds %3: they are lost from the "
                        "pending list (never acknowledged, never delivered again; the entries "
                        "stay in the stream). Claim them for a live consumer first to keep "
                        "them.")
                         .arg(q(f.consumer), group, holds);
        destructive = true;
        break;
    }
    case Repair::DeadLetter:
        title = tr("Move to dead letters");
        label = tr("Move %1 to dead letters").arg(countOf(ids.size(), "entry", "entries"));
        text = ids.size() == 1
                   ? tr("Move %1 of %2 (%3) to %4:dlq and acknowledge it? It is copied with "
                        "where it came from, then acknowledged, so the group moves on.")
                         .arg(entries, group, idList(ids), q(f.stream))
                   : tr("Move %1 of %2 (%3) to %4:dlq and acknowledge them? Each is copied with "
                        "where it came from, then acknowledged, so the group moves on.")
                         .arg(entries, group, idList(ids), q(f.stream));
        break;
    }
    if (!confirm(title, text, label, destructive)) {
        m_result->clear();
        return;
    }
    run(job, ids, count);
}

void FindingsView::run(const Job &job, const QList<QByteArray> &ids, qint64 count) {
    if (!m_actions)
        return finish(false, tr("Not connected: nothing was done."));
    GroupActionsWorker *w = m_actions->worker();
    const QByteArray s = job.finding.stream, g = job.finding.group;
    const QByteArray consumer = job.finding.consumer, target = job.target;
    const qint64 minIdle = job.finding.minIdleMs.value_or(job.finding.idleMs.value_or(0));
    std::function<void()> call;
    switch (job.repair) {
    case Repair::Acknowledge:
        call = [w, s, g, ids] { w->ack(s, g, ids); };
        break;
    case Repair::Claim:
        call = [w, s, g, target, ids] { w->claim(s, g, target, ids); };
        break;
    case Repair::Autoclaim:
        call = [w, s, g, target, minIdle, count] {
            w->autoclaim(s, g, target, minIdle, int(count));
        };
        break;
    case Repair::DeleteConsumer:
        call = [w, s, g, consumer] { w->deleteConsumer(s, g, consumer); };
        break;
    case Repair::DeadLetter:
        call = [w, s, g, ids] { w->deadLetter(s, g, ids); };
        break;
    }
    Job running = job;
    running.request = 0;
    m_job = running;
    m_runningRepair = ++m_nextRepair;
    const int tag = m_runningRepair;
    m_result->setText(tr("Working..."));
    updateButtons();
    QMetaObject::invokeMethod(
        w, [w, tag, call] { w->runTagged(tag, call); }, Qt::QueuedConnection);
}

void FindingsView::finish(bool ok, const QString &message) {
    m_job.reset();
    m_runningRepair = 0;
    m_result->setText(message);
    m_result->setStyleSheet(ok ? QString() : toneStyle(Tone::Critical));
    updateButtons();
    Q_EMIT actionMessage(message, ok);
}

} // namespace streamscope
