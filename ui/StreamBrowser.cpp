#include "StreamBrowser.h"

#include "Confirm.h"

#include "EntryDetailView.h"
#include "ExportDialog.h"
#include "GroupActions.h"
#include "Palette.h"
#include "StreamBrowserModel.h"
#include "TrimDialog.h"
#include "ValueFormat.h"
#include "Wording.h"

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <utility>

namespace streamscope {

StreamBrowser::StreamBrowser(QWidget *parent)
    : QWidget(parent)
    , m_model(new StreamBrowserModel(this))
    , m_filter(new EntryFilterProxy(this)) {
    m_filter->setSourceModel(m_model);

    m_stream = new QLineEdit;
    m_stream->setPlaceholderText(tr("stream name"));
    auto *open = new QPushButton(tr("Open newest"));
    m_jump = new QLineEdit;
    m_jump->setPlaceholderText(tr("a time (14:05) or an entry ID"));
    m_jump->setToolTip(tr("Shows the entries around a moment (14:05, 2026-11-25 14:05:30) or "
                          "an entry ID: some before it, some after it"));
    auto *go = new QPushButton(tr("Jump"));
    auto *trim = new QPushButton(tr("Trim..."));
    trim->setObjectName(QStringLiteral("trimButton"));
    m_trimButton = trim;
    connect(trim, &QPushButton::clicked, this, &StreamBrowser::openTrimDialog);
    connect(open, &QPushButton::clicked, this, [this] { openStream(m_stream->text().toUtf8()); });
    connect(m_stream, &QLineEdit::returnPressed, open, &QPushButton::click);
    connect(go, &QPushButton::clicked, this, &StreamBrowser::jump);
    connect(m_jump, &QLineEdit::returnPressed, this, &StreamBrowser::jump);

    m_field = new QLineEdit;
    m_field->setPlaceholderText(tr("any field"));
    m_mode = new QComboBox;
    m_mode->addItems({tr("contains"), tr("equals"), tr("regex")});
    m_value = new QLineEdit;
    m_value->setPlaceholderText(tr("value (Ctrl+F)"));
    m_matches = new QLabel;
    m_matches->setWordWrap(true);
    m_newer = new QPushButton(tr("Newer"));
    m_newer->setObjectName(QStringLiteral("newerButton"));
    m_newer->setToolTip(tr("Load the next page forward, above the entries shown (also picks up "
                           "entries added since)"));
    m_older = new QPushButton(tr("Older"));
    m_older->setObjectName(QStringLiteral("olderButton"));
    m_older->setToolTip(tr("Load the next page back, below the entries shown (to search further)"));
    m_error = new QLabel;
    m_error->setWordWrap(true);
    m_error->setStyleSheet(toneStyle(Tone::Critical));
    m_filterDelay = new QTimer(this);
    m_filterDelay->setSingleShot(true);
    m_filterDelay->setInterval(filterDelayMs);
    connect(m_filterDelay, &QTimer::timeout, this, &StreamBrowser::applyFilter);
    for (QLineEdit *e : {m_field, m_value}) {
        connect(e, &QLineEdit::returnPressed, this, &StreamBrowser::applyFilter);
        // As you type, once the typing pauses: not on every key over thousands of rows.
        connect(e, &QLineEdit::textEdited, m_filterDelay, qOverload<>(&QTimer::start));
    }
    connect(m_mode, &QComboBox::activated, this, &StreamBrowser::applyFilter);
    connect(m_newer, &QPushButton::clicked, this, &StreamBrowser::showNewer);
    connect(m_older, &QPushButton::clicked, this, &StreamBrowser::showOlder);
    auto *find = new QAction(this);
    find->setShortcut(QKeySequence::Find);
    find->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QAction::triggered, this, [this] {
        m_value->setFocus();
        m_value->selectAll();
    });
    addAction(find);

    m_view = new QTableView;
    m_view->setObjectName(QStringLiteral("browser"));
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setStretchLastSection(true);
    updateColumnWidths();
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto *copyJson = new QAction(tr("Copy as JSON"), m_view);
    copyJson->setShortcut(QKeySequence::Copy);
    copyJson->setShortcutContext(Qt::WidgetShortcut);
    connect(copyJson, &QAction::triggered, this,
            [this] { QGuiApplication::clipboard()->setText(QString::fromUtf8(selectedAsJson())); });
    auto *copyXadd = new QAction(tr("Copy as XADD command"), m_view);
    connect(copyXadd, &QAction::triggered, this,
            [this] { QGuiApplication::clipboard()->setText(QString::fromUtf8(selectedAsXadd())); });
    m_deleteAction = new QAction(tr("Delete from the stream (XDEL)..."), m_view);
    m_deleteAction->setShortcut(QKeySequence::Delete);
    m_deleteAction->setShortcutContext(Qt::WidgetShortcut);
    connect(m_deleteAction, &QAction::triggered, this, &StreamBrowser::deleteSelected);
    auto *toForm = new QAction(tr("Copy to the publish form"), m_view);
    connect(toForm, &QAction::triggered, this, [this] {
        const QList<StreamEntry> entries = selectedEntries();
        if (!entries.isEmpty())
            Q_EMIT publishRequested(entries.first());
    });
    m_view->addActions({copyJson, copyXadd, toForm, m_deleteAction});
    confirm = [this](const QString &question) {
        return confirmAction(
            this, tr("Delete entries"), question,
            tr("Delete %1").arg(countOf(selectedEntries().size(), "entry", "entries")), true);
    };
    m_detail = new EntryDetailView;
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QModelIndexList rows = m_view->selectionModel()->selectedRows();
        if (rows.isEmpty())
            m_detail->clearEntry();
        else
            m_detail->showEntry(m_model->entry(m_filter->mapToSource(rows.first()).row()));
    });
    connect(m_model, &StreamBrowserModel::pageLoaded, this, [this] {
        updateMatches();
        requestLength();
        showJumpTarget();
        showPagedRows();
    });
    connect(m_model, &StreamBrowserModel::failed, this, &StreamBrowser::setError);
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &StreamBrowser::updateMatches);
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, &StreamBrowser::updateMatches);

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Stream")));
    top->addWidget(m_stream, 1);
    top->addWidget(open);
    top->addWidget(m_jump, 1);
    top->addWidget(go);
    top->addWidget(m_newer);
    top->addWidget(m_older);
    top->addWidget(trim);
    auto *filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Filter")));
    filters->addWidget(m_field);
    filters->addWidget(m_mode);
    filters->addWidget(m_value, 1);
    filters->addWidget(m_matches, 1);
    auto *exportButton = new QPushButton(tr("Export..."));
    exportButton->setToolTip(tr("Write the loaded, matching or selected entries, or a range of "
                                "this stream, to JSON Lines or CSV"));
    connect(exportButton, &QPushButton::clicked, this, [this] {
        ExportChoices choices;
        choices.loaded = m_model->rows();
        choices.selected = selectedEntries();
        if (m_filter->isActive())
            for (int row = 0; row < m_filter->rowCount(); ++row)
                choices.matching.append(
                    m_model->entry(m_filter->mapToSource(m_filter->index(row, 0)).row()));
        choices.stream = m_model->stream();
        Q_EMIT exportRequested(choices);
    });
    filters->addWidget(exportButton);
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(m_view);
    split->addWidget(m_detail);
    split->setSizes({450, 200});
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addLayout(filters);
    layout->addWidget(m_error);
    layout->addWidget(split, 1);
    updateMatches();
    setError({});
}

void StreamBrowser::setPermissions(const Permissions &permissions) {
    m_permissions = permissions;
    updateWriteActions();
}

void StreamBrowser::updateWriteActions() {
    const QString noDelete = forbiddenReason(m_permissions, {"XDEL"});
    m_deleteAction->setEnabled(m_requests && !m_readOnly && noDelete.isEmpty());
    m_deleteAction->setToolTip(m_readOnly ? tr("Read-only mode") : noDelete);
    const QString noTrim = forbiddenReason(m_permissions, {"XTRIM"});
    m_trimButton->setEnabled(noTrim.isEmpty());
    m_trimButton->setToolTip(
        noTrim.isEmpty()
            ? tr("XTRIM with a preview of what goes and which groups lose unread entries")
            : noTrim);
    if (m_trimDialog)
        m_trimDialog->setReadOnly(m_readOnly);
}

void StreamBrowser::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    updateWriteActions();
}

void StreamBrowser::openTrimDialog() {
    if (m_model->stream().isEmpty() || !m_requests)
        return setError(tr("Open a stream first."));
    auto *dialog = new TrimDialog(m_requests, m_model->stream(), m_readOnly, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_trimDialog = dialog;
    connect(dialog, &TrimDialog::trimmed, this, [this](bool ok) {
        if (ok)
            openStream(m_model->stream());
    });
    dialog->open();
}

void StreamBrowser::setRequests(GroupActions *requests, bool readOnly) {
    m_requests = requests;
    m_readOnly = readOnly;
    m_length = -1;
    updateWriteActions();
    if (!requests)
        return;
    connect(requests->worker(), &GroupActionsWorker::entriesDeleted, m_model,
            &StreamBrowserModel::removeEntries, Qt::UniqueConnection);
    // The stream is shorter now: "the whole stream" may have become true.
    connect(requests->worker(), &GroupActionsWorker::entriesDeleted, this,
            &StreamBrowser::requestLength, Qt::UniqueConnection);
    connect(m_model, &StreamBrowserModel::pageWanted, requests->worker(),
            &GroupActionsWorker::fetchHistory, Qt::UniqueConnection);
    connect(requests->worker(), &GroupActionsWorker::historyPage, m_model,
            &StreamBrowserModel::addPage, Qt::UniqueConnection);
    connect(requests->worker(), &GroupActionsWorker::streamLength, this,
            [this](int request, const QByteArray &stream, qint64 length) {
                if (request != m_lengthRequest || stream != m_model->stream())
                    return;
                m_length = length; // -1 when it could not be read: then the label says less
                updateMatches();
            });
}

void StreamBrowser::setStreamLengths(const StreamInfoList &streams) {
    // The poller's figure is newer than the one read with the last page: entries added since
    // mean the loaded ones are no longer the whole stream.
    for (const StreamInfo &s : streams)
        if (s.name == m_model->stream() && s.noAccess.isEmpty() && s.length != m_length) {
            m_length = s.length;
            updateMatches();
        }
}

void StreamBrowser::requestLength() {
    if (!m_requests || m_model->stream().isEmpty())
        return;
    GroupActionsWorker *w = m_requests->worker();
    const int request = ++m_lengthRequest;
    const QByteArray stream = m_model->stream();
    QMetaObject::invokeMethod(
        w, [w, request, stream] { w->fetchStreamLength(request, stream); }, Qt::QueuedConnection);
}

void StreamBrowser::showNewer() {
    setError({});
    if (!m_model->canFetchNewer())
        return;
    m_paged = Paged::Newer;
    m_rowsBeforePage = m_model->rowCount();
    m_model->fetchNewer();
    updateMatches();
}

void StreamBrowser::showOlder() {
    setError({});
    if (!m_model->canFetchOlder())
        return;
    m_paged = Paged::Older;
    m_rowsBeforePage = m_model->rowCount();
    m_model->fetchOlder();
    updateMatches();
}

void StreamBrowser::showPagedRows() {
    const Paged paged = std::exchange(m_paged, Paged::None);
    const int added = m_model->rowCount() - m_rowsBeforePage;
    if (paged == Paged::None || added <= 0 || m_rowsBeforePage == 0)
        return;
    // Newer rows went in above: the row that was on top before goes to the bottom of the view,
    // the new rows above it. Older rows went in below: the first of them at the top.
    const int row = paged == Paged::Newer ? added : m_rowsBeforePage;
    const QModelIndex index = m_filter->mapFromSource(m_model->index(row, 0));
    if (index.isValid())
        m_view->scrollTo(index, paged == Paged::Newer ? QAbstractItemView::PositionAtBottom
                                                      : QAbstractItemView::PositionAtTop);
}

void StreamBrowser::updateColumnWidths() {
    // From the font, measured on the widest text each column shows (plus the cell's margins), so
    // a larger font does not cut times to "21:38:54....".
    const int margin =
        2 * m_view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, m_view)
        + m_view->fontMetrics().horizontalAdvance(QLatin1Char('M'));
    QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    fixed.setPointSizeF(m_view->font().pointSizeF());
    const int id = QFontMetrics(fixed).horizontalAdvance(QStringLiteral("1700000000000-000"));
    const int time =
        m_view->fontMetrics().horizontalAdvance(QStringLiteral("2026-11-25 21:38:54.000"));
    m_view->setColumnWidth(StreamBrowserModel::IdColumn, id + margin);
    m_view->setColumnWidth(StreamBrowserModel::TimeColumn, time + margin);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
}

void StreamBrowser::changeEvent(QEvent *event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        updateColumnWidths();
}

void StreamBrowser::openStream(const QByteArray &stream, const PageStart &start) {
    setError({});
    if (stream.isEmpty()) {
        setError(tr("Name a stream to open."));
        return;
    }
    m_stream->setText(QString::fromUtf8(stream));
    m_length = -1;
    m_jumpedTo.reset();
    m_paged = Paged::None;
    m_model->open(stream, start);
    updateMatches();
}

void StreamBrowser::jump() {
    auto start = parseJump(m_jump->text(), QDate::currentDate());
    if (!start.ok()) {
        setError(start.error().message);
        return;
    }
    openStream(m_stream->text().toUtf8(), start.value());
    if (start->kind == PageStart::Kind::Around)
        m_jumpedTo = start->id;
}

void StreamBrowser::showJumpTarget() {
    if (!m_jumpedTo)
        return;
    const StreamId at = *m_jumpedTo;
    m_jumpedTo.reset();
    // Rows are newest first: the first one at or before the moment is the one it names.
    int row = m_model->rowCount() - 1;
    for (int r = 0; r < m_model->rowCount(); ++r)
        if (m_model->entry(r).id <= at) {
            row = r;
            break;
        }
    const QModelIndex index = m_filter->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return;
    m_view->setCurrentIndex(index);
    m_view->scrollTo(index, QAbstractItemView::PositionAtCenter);
}

Result<PageStart> StreamBrowser::parseJump(const QString &input, const QDate &today) {
    auto start = parseIdOrTime(input, today);
    if (!start.ok())
        return start;
    return start->around();
}

bool StreamBrowser::applyFilter() {
    m_filterDelay->stop();
    QString error;
    const bool ok = m_filter->setFilter(m_field->text().toUtf8(), m_value->text(),
                                        EntryFilterProxy::Mode(m_mode->currentIndex()), &error);
    setError(error);
    updateMatches();
    return ok;
}

QList<StreamEntry> StreamBrowser::selectedEntries() const {
    QModelIndexList rows = m_view->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end());
    QList<StreamEntry> out;
    for (const QModelIndex &row : rows)
        out.append(m_model->entry(m_filter->mapToSource(row).row()));
    return out;
}

QByteArray StreamBrowser::selectedAsJson() const {
    QByteArray out;
    for (const StreamEntry &e : selectedEntries())
        valueformat::appendEntryJson(out, e);
    return out;
}

QByteArray StreamBrowser::selectedAsXadd() const {
    QByteArray out;
    for (const StreamEntry &e : selectedEntries())
        out += valueformat::xaddCommand(e) + '\n';
    return out;
}

void StreamBrowser::deleteSelected() {
    const QList<StreamEntry> entries = selectedEntries();
    if (entries.isEmpty() || !m_requests || m_readOnly)
        return;
    QList<QByteArray> ids;
    for (const StreamEntry &e : entries)
        ids.append(e.id.toByteArray());
    const QString question =
        entries.size() == 1
            ? tr("Delete entry %1 from %2? This cannot be undone.")
                  .arg(QString::fromLatin1(ids.first()), QString::fromUtf8(m_model->stream()))
            : tr("Delete %1 from %2? This cannot be undone.")
                  .arg(countOf(entries.size(), "entry", "entries"),
                       QString::fromUtf8(m_model->stream()));
    if (!confirm(question))
        return;
    GroupActionsWorker *w = m_requests->worker();
    const QByteArray stream = m_model->stream();
    QMetaObject::invokeMethod(
        w, [w, stream, ids] { w->deleteEntries(stream, ids); }, Qt::QueuedConnection);
}

void StreamBrowser::setError(const QString &message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

QString StreamBrowser::matchText() const {
    return m_matches->text();
}

void StreamBrowser::updateMatches() {
    const int loaded = m_model->rowCount();
    // The whole stream only when both ends were reached and, when the server said how long the
    // stream is, nothing more is there.
    const bool whole = m_model->atOldest() && m_model->atNewest() && !m_model->isLoading()
                       && (m_length < 0 || m_length <= loaded);
    QString text;
    if (m_model->stream().isEmpty()) {
        text = QString();
    } else if (m_model->isLoading() && loaded == 0) {
        text = tr("Loading...");
    } else if (m_filter->isActive()) {
        const int matching = m_filter->rowCount();
        text = tr("%1 of %2 %3")
                   .arg(formatCount(matching), formatCount(loaded),
                        (loaded == 1 ? tr("loaded entry") : tr("loaded entries"))
                            + (matching == 1 ? tr(" matches") : tr(" match")));
        if (whole)
            text += tr(" (the whole stream)");
        else if (m_length >= 0)
            text += tr("; the stream has %1: load more or export to search all")
                        .arg(formatCount(m_length));
        else
            text += tr("; more of the stream is not loaded: load more or export to search all");
    } else {
        if (whole && loaded > 0)
            text = countOf(loaded, "entry", "entries") + tr(" loaded (the whole stream)");
        else if (m_length >= 0)
            text = tr("%1 of %2 loaded")
                       .arg(formatCount(loaded), countOf(m_length, "entry", "entries"));
        else
            text = countOf(loaded, "entry", "entries") + tr(" loaded");
    }
    m_matches->setText(text);
    m_older->setEnabled(m_model->canFetchOlder());
    m_newer->setEnabled(m_model->canFetchNewer());
}

} // namespace streamscope
