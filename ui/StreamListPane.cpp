#include "StreamListPane.h"

#include "Deployment.h"
#include "GroupActions.h"
#include "Palette.h"
#include "Redrive.h"
#include "RedriveDialog.h"
#include "Session.h"
#include "StreamListModel.h"
#include "WarningBanner.h"
#include "Wording.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace streamscope {

namespace {

// Rows beyond the visible ones that are watched too: a short scroll finds figures there.
constexpr int watchMargin = 10;

// STREAMSCOPE_REPORT_FIRST_ROWS set: once per process, the wall-clock time (microseconds since
// the epoch) when the stream list first shows rows, on stderr: what the start-up benchmark
// measures from the process's launch. Set to "exit", the application quits there.
void reportFirstRows() {
    static bool said = false;
    if (said || qEnvironmentVariableIsEmpty("STREAMSCOPE_REPORT_FIRST_ROWS"))
        return;
    said = true;
    // After the rows are painted (the next turn of the event loop), not only modelled.
    QTimer::singleShot(0, [] {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
        // And the CPU this process spent until then (every thread), which a busy machine does
        // not stretch as it does the wall clock.
        timespec cpu{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
        std::fprintf(stderr, "streamscope: first rows at %lld us (cpu %lld us)\n",
                     static_cast<long long>(us),
                     static_cast<long long>(cpu.tv_sec) * 1000000 + cpu.tv_nsec / 1000);
        std::fflush(stderr);
        // "exit": and quit there (to profile the start-up alone).
        if (qEnvironmentVariable("STREAMSCOPE_REPORT_FIRST_ROWS") == QLatin1String("exit"))
            QCoreApplication::exit(0);
    });
}

} // namespace

StreamListPane::StreamListPane(QWidget *parent)
    : QWidget(parent)
    , m_model(new StreamListModel(this))
    , m_view(new QTableView)
    , m_error(new QLabel)
    , m_filter(new QLineEdit)
    , m_pattern(new QToolButton)
    , m_scope(new QLabel)
    , m_filterDelay(new QTimer(this))
    , m_watchDelay(new QTimer(this))
    , m_missing(new WarningBanner) {
    m_view->setObjectName(QStringLiteral("streamList"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->verticalHeader()->hide();
    m_view->setWordWrap(false);
    // Long names keep their start and end ("orders:eu-w…:events"): the numbers stay readable.
    m_view->setTextElideMode(Qt::ElideMiddle);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    QHeaderView *header = m_view->horizontalHeader();
    // Widths from the font, not from the contents: sizing columns to their contents measures
    // every shown cell at each poll (a tenth of the start-up's CPU with 1,000 rows).
    const QFontMetrics metrics = m_view->fontMetrics();
    header->setMinimumSectionSize(metrics.horizontalAdvance(QStringLiteral("0000")));
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(0, QHeaderView::Stretch);
    const int pad = 2 * metrics.horizontalAdvance(QLatin1Char('0'));
    header->resizeSection(StreamListModel::LengthColumn,
                          metrics.horizontalAdvance(QStringLiteral("00,000,000")) + pad);
    header->resizeSection(StreamListModel::LastIdColumn,
                          metrics.horizontalAdvance(QStringLiteral("0000000000000-0")) + pad);
    header->resizeSection(StreamListModel::RateColumn,
                          metrics.horizontalAdvance(QStringLiteral("Events/s")) + 2 * pad);
    header->resizeSection(StreamListModel::NodeColumn,
                          metrics.horizontalAdvance(QStringLiteral("127.0.0.1:00000")) + pad);
    header->resizeSection(StreamListModel::SlotColumn,
                          metrics.horizontalAdvance(QStringLiteral("00000")) + pad);
    m_view->setColumnHidden(StreamListModel::LastIdColumn, true); // in the tooltip
    showClusterColumns(false);
    m_view->setToolTip(tr("Select streams to show only their events (none: all); "
                          "double-click one to browse its history"));
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        QSet<QByteArray> selected;
        for (const QModelIndex &row : m_view->selectionModel()->selectedRows())
            selected.insert(row.data(StreamListModel::NameRole).toByteArray());
        Q_EMIT selectionChanged(selected);
    });
    connect(m_view, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        Q_EMIT browseRequested(index.data(StreamListModel::NameRole).toByteArray());
    });

    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QTableView::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex index = m_view->indexAt(pos);
        if (!index.isValid())
            return;
        QMenu *menu = contextMenu(index.data(StreamListModel::NameRole).toByteArray());
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(m_view->viewport()->mapToGlobal(pos));
    });

    // The filter searches the server (SCAN MATCH), not only the rows fetched so far.
    m_filter->setObjectName(QStringLiteral("streamFilter"));
    m_filter->setPlaceholderText(tr("Filter streams by name (searches the server)"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setToolTip(tr("Shows the streams whose name contains this text, searched on the "
                            "server with SCAN MATCH (* ? [ ] are taken literally unless Glob is "
                            "on)"));
    m_pattern->setObjectName(QStringLiteral("streamFilterGlob"));
    m_pattern->setText(tr("Glob"));
    m_pattern->setCheckable(true);
    m_pattern->setToolTip(tr("On: the filter is a Redis glob pattern as typed (orders:*:eu, "
                             "user:[0-9]*); off: the names that contain the text"));
    m_filterDelay->setSingleShot(true);
    m_filterDelay->setInterval(300);
    connect(m_filterDelay, &QTimer::timeout, this, &StreamListPane::applyFilter);
    connect(m_filter, &QLineEdit::textChanged, m_filterDelay, qOverload<>(&QTimer::start));
    connect(m_filter, &QLineEdit::returnPressed, this, &StreamListPane::applyFilter);
    connect(m_pattern, &QToolButton::toggled, this, &StreamListPane::applyFilter);
    m_scope->setObjectName(QStringLiteral("streamListScope"));
    m_scope->setWordWrap(true);
    m_scope->hide();

    // What is in view (and selected) is what a large server's session watches: told after a
    // pause in scrolling, not at every pixel.
    m_watchDelay->setSingleShot(true);
    m_watchDelay->setInterval(150);
    connect(m_watchDelay, &QTimer::timeout, this, &StreamListPane::sendWatched);
    auto watchLater = [this] { m_watchDelay->start(); };
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this, watchLater);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, watchLater);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, watchLater);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, watchLater);
    connect(m_model, &QAbstractItemModel::modelReset, this, watchLater);
    connect(m_model, &StreamListModel::moreWanted, this, [this] {
        if (m_session)
            m_session->fetchMoreStreams();
    });
    auto rowsShown = [this] {
        if (m_model->rowCount() > 0)
            reportFirstRows();
    };
    connect(m_model, &QAbstractItemModel::rowsInserted, this, rowsShown);
    connect(m_model, &QAbstractItemModel::modelReset, this, rowsShown);

    m_error->setObjectName(QStringLiteral("streamListError"));
    m_error->setWordWrap(true);
    m_error->hide();
    m_missing->setObjectName(QStringLiteral("streamListMissingNodes"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    auto *filterRow = new QHBoxLayout;
    filterRow->setContentsMargins(0, 0, 0, 0);
    filterRow->setSpacing(2);
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(m_pattern);
    layout->addLayout(filterRow);
    layout->addWidget(m_scope);
    layout->addWidget(m_error);
    layout->addWidget(m_missing);
    layout->addWidget(m_view);
}

void StreamListPane::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    m_watchDelay->start(); // more or fewer rows in view
}

void StreamListPane::applyFilter() {
    m_filterDelay->stop();
    if (!m_session || !m_session->isPaged())
        return;
    const QByteArray pattern = matchPattern(m_filter->text(), m_pattern->isChecked());
    if (pattern == m_session->catalogState().pattern
        || (pattern == "*" && m_session->catalogState().pattern.isEmpty()))
        return;
    m_session->setStreamFilter(pattern);
}

void StreamListPane::sendWatched() {
    if (!m_session || !m_session->isPaged())
        return;
    QList<QByteArray> names;
    QSet<QByteArray> in;
    const int rows = m_model->rowCount();
    const int top = m_view->rowAt(0);
    if (rows > 0 && top >= 0) {
        int bottom = m_view->rowAt(m_view->viewport()->height() - 1);
        if (bottom < 0)
            bottom = rows - 1;
        for (int row = qMax(0, top - watchMargin); row <= qMin(rows - 1, bottom + watchMargin);
             ++row) {
            const QByteArray name = m_model->nameAt(row);
            if (!in.contains(name)) {
                in.insert(name);
                names.append(name);
            }
        }
    }
    for (const QModelIndex &row : m_view->selectionModel()->selectedRows()) {
        const QByteArray name = row.data(StreamListModel::NameRole).toByteArray();
        if (!in.contains(name)) {
            in.insert(name);
            names.append(name);
        }
    }
    if (names == m_sentWatched)
        return;
    m_sentWatched = names;
    m_session->setWatchedStreams(names);
}

void StreamListPane::onCatalog(const StreamCatalogPage &page) {
    m_model->applyPage(page);
    updateScope();
    restoreRows();
}

QString StreamListPane::scopeText() const {
    if (!m_session || !m_session->isPaged())
        return {};
    const StreamCatalogPage &c = m_session->catalogState();
    if (c.generation == 0)
        return {};
    QStringList parts;
    const bool filtered = !c.pattern.isEmpty() && c.pattern != "*";
    if (filtered) {
        const QString match = QString::fromUtf8(c.pattern);
        if (c.complete)
            parts << tr("%1 match %2: the whole server was searched.")
                         .arg(countOf(c.listed, "stream", "streams"), match);
        else if (c.keysTotal >= 0)
            parts << tr("%1 match %2 so far: about %3 % of the server's %4 searched; "
                        "scroll down to search on.")
                         .arg(countOf(c.listed, "stream", "streams"), match)
                         .arg(qRound(c.searchedFraction * 100))
                         .arg(countOf(c.keysTotal, "key", "keys"));
        else
            parts << tr("%1 match %2 so far: the server was searched in part; scroll down to "
                        "search on.")
                         .arg(countOf(c.listed, "stream", "streams"), match);
    }
    if (m_truncated) {
        const QString listed = c.complete ? countOf(c.listed, "stream", "streams")
                                          : tr("%1 listed so far (more as you scroll)")
                                                .arg(countOf(c.listed, "stream", "streams"));
        parts << tr("Watching %1 of %2: the rows in view and the selected ones. Lengths, "
                    "groups, findings, charts and the live tail cover only these.")
                     .arg(formatCount(m_model->watchedCount()), listed);
    } else if (filtered) {
        // The filter narrows what is watched too (the live tail follows only these).
        parts << tr("Lengths, groups, findings, charts and the live tail cover only these.");
    } else if (!c.complete) {
        parts << tr("%1 listed so far (more as you scroll).")
                     .arg(countOf(c.listed, "stream", "streams"));
    }
    return parts.join(QLatin1Char(' '));
}

void StreamListPane::updateScope() {
    const QString text = scopeText();
    if (text == m_scope->text())
        return;
    m_scope->setText(text);
    m_scope->setToolTip(text);
    m_scope->setVisible(!text.isEmpty());
    Q_EMIT scopeChanged(text);
}

void StreamListPane::restoreRows() {
    if (m_restore.isEmpty())
        return;
    QItemSelection selection;
    for (const QString &name : std::as_const(m_restore)) {
        const int row = m_model->rowOf(name.toUtf8());
        if (row >= 0)
            selection.select(m_model->index(row, 0),
                             m_model->index(row, StreamListModel::ColumnCount - 1));
    }
    if (!selection.isEmpty()) {
        m_view->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
        m_restore.clear();
    }
}

void StreamListPane::bind(Session *session) {
    for (const QMetaObject::Connection &c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    m_session = session;
    m_carriesLetters.clear();
    if (m_redriveDialog) // its worker belongs to the previous session
        m_redriveDialog->close();
    // Nothing of the previous server (or user) stays on screen as if it were this one's: the
    // list fills again from this connection's first polls.
    m_model->setStreams({}, QDateTime::currentMSecsSinceEpoch());
    if (session && session->isPaged())
        m_model->clear();
    m_model->setFreshness(session ? session->freshness() : Freshness());
    m_sentWatched.clear();
    m_truncated = false;
    updateScope();
    // A filter typed for the last server is searched on this one too.
    if (session && session->isPaged() && !m_filter->text().isEmpty())
        QTimer::singleShot(0, this, &StreamListPane::applyFilter);
    m_listError.clear();
    m_truncatedNote = false;
    showError({});
    m_missing->setText({});
    showClusterColumns(false);
    if (!session)
        return;
    m_connections << connect(session, &Session::streamsListed, this, &StreamListPane::onListed);
    m_connections << connect(session, &Session::catalogUpdated, this, &StreamListPane::onCatalog);
    m_connections << connect(session, &Session::freshnessChanged, this,
                             &StreamListPane::onFreshness);
    m_connections << connect(session, &Session::pollFailed, this,
                             [this](const Error &error, PollArea area) {
                                 if (area == PollArea::Groups)
                                     return;
                                 m_listError = tr("Stream list not current: %1").arg(error.message);
                                 showError(m_listError);
                             });
    m_connections << connect(
        session, &Session::nodesMissing, this, [this](const MissingNodeList &missing) {
            QStringList reasons;
            for (const MissingNode &m : missing)
                reasons << QStringLiteral("%1: %2").arg(m.endpoint, m.reason);
            m_missing->setText(
                ::streamscope::missingNodesText(missing, tr("streams there are not listed")),
                reasons.join(QLatin1Char('\n')));
        });
    m_connections << connect(
        session, &Session::topologyUpdated, this, [this](const TopologySnapshot &snapshot) {
            showClusterColumns(snapshot.topology == RedisClient::Topology::Cluster);
        });
    m_connections << connect(session, &Session::serverInfoUpdated, this,
                             [this](const ServerInfo &info) {
                                 if (info.mode == QLatin1String("cluster"))
                                     showClusterColumns(true);
                             });
}

void StreamListPane::onListed(const StreamInfoList &streams, bool truncated) {
    m_listError.clear();
    m_truncated = truncated;
    if (m_session && m_session->isPaged()) {
        // The rows come from the catalog; these are the figures of the streams watched.
        m_model->setFigures(streams, QDateTime::currentMSecsSinceEpoch());
        m_truncatedNote = false;
        showError({});
        updateScope();
        return;
    }
    m_model->setStreams(streams, QDateTime::currentMSecsSinceEpoch());
    // The bound is said where it applies, for as long as it does.
    m_truncatedNote = truncated;
    showError(truncated ? tr("Only the first %1 are listed and watched (their groups too).")
                              .arg(countOf(streams.size(), "matching stream", "matching streams"))
                        : QString());
    restoreRows();
}

void StreamListPane::onFreshness(const Freshness &freshness) {
    m_model->setFreshness(freshness);
    if (freshness.state == Freshness::State::Stale)
        showError(m_listError.isEmpty() ? tr("Not current: %1 (%2); figures greyed.")
                                              .arg(freshness.reason, freshness.lastUpdatedText())
                                        : m_listError);
    else if (m_listError.isEmpty() && !m_truncatedNote)
        showError({});
}

void StreamListPane::showError(const QString &text) {
    m_error->setStyleSheet(toneStyle(Tone::Critical));
    m_error->setText(text);
    m_error->setToolTip(text);
    m_error->setVisible(!text.isEmpty());
}

QString StreamListPane::missingNodesText() const {
    return m_missing->text();
}

QStringList StreamListPane::selectedStreams() const {
    QStringList names;
    for (const QModelIndex &row : m_view->selectionModel()->selectedRows())
        names << QString::fromUtf8(row.data(StreamListModel::NameRole).toByteArray());
    return names;
}

void StreamListPane::restoreSelection(const QStringList &names) {
    m_restore = names;
}

void StreamListPane::clearSelection() {
    m_view->clearSelection();
}

QMenu *StreamListPane::contextMenu(const QByteArray &stream) {
    auto *menu = new QMenu(this);
    menu->addAction(tr("Browse history"), this, [this, stream] { Q_EMIT browseRequested(stream); });
    QAction *redrive = menu->addAction(tr("Redrive dead letters…"));
    redrive->setObjectName(QStringLiteral("redriveAction"));
    connect(redrive, &QAction::triggered, this, [this, stream] { openRedrive(stream); });
    GroupActionsWorker *worker =
        m_session && m_session->actions() ? m_session->actions()->worker() : nullptr;
    if (!worker) {
        redrive->setEnabled(false);
        redrive->setText(tr("Redrive dead letters… (not connected)"));
        return menu;
    }
    if (looksLikeDeadLetterStream(stream) || m_carriesLetters.value(stream))
        return menu;
    // Another name: a dead-letter stream when its first entry carries dlq.stream. Asked off the
    // GUI thread; the action says so until the answer comes.
    redrive->setEnabled(false);
    redrive->setText(tr("Redrive dead letters… (checking)"));
    QPointer<QAction> action(redrive);
    QPointer<StreamListPane> self(this);
    worker->post([action, self, stream](RedisClient *connection, const QString &) {
        std::optional<bool> carries;
        if (connection) {
            StreamEntryList first;
            auto reply = connection->commandEntries({"XRANGE", stream, "-", "+", "COUNT", "1"}, 0,
                                                    &first, -1, stream);
            if (reply.ok() && !reply->isError())
                carries = !first.isEmpty() && !first.first().value("dlq.stream").isNull();
        }
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [action, self, stream, carries] {
                if (self && carries)
                    self->m_carriesLetters.insert(stream, *carries);
                if (!action)
                    return;
                action->setEnabled(carries.value_or(false));
                action->setText(!carries ? tr("Redrive dead letters… (could not read the stream)")
                                : *carries
                                    ? tr("Redrive dead letters…")
                                    : tr("Redrive dead letters… (none: no dlq.stream field)"));
            },
            Qt::QueuedConnection);
    });
    return menu;
}

void StreamListPane::openRedrive(const QByteArray &stream) {
    if (!m_session || !m_session->actions())
        return;
    if (m_redriveDialog)
        m_redriveDialog->close();
    auto *dialog =
        new RedriveDialog(m_session->actions()->worker(), stream, m_session->isReadOnly(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_session, &Session::readOnlyChanged, dialog, &RedriveDialog::setReadOnly);
    // What the user may do (ACL, a replica): XADD and XDEL, and the Lua steps that hold them.
    auto allowed = [dialog](const Permissions &permissions) {
        dialog->setForbidden(forbiddenReason(permissions, {"XADD", "XDEL", "EVALSHA", "EVAL"}));
    };
    allowed(m_session->effectivePermissions());
    connect(m_session, &Session::permissionsChanged, dialog, allowed);
    connect(m_session, &QObject::destroyed, dialog, &QWidget::close);
    connect(dialog, &RedriveDialog::redriven, this, [this](bool ok, const QString &summary) {
        if (m_session)
            m_session->pollNow();
        Q_EMIT redriveFinished(ok, summary);
    });
    m_redriveDialog = dialog;
    dialog->show();
}

void StreamListPane::showClusterColumns(bool cluster) {
    const bool shown = !m_view->isColumnHidden(StreamListModel::NodeColumn);
    m_view->setColumnHidden(StreamListModel::NodeColumn, !cluster);
    m_view->setColumnHidden(StreamListModel::SlotColumn, !cluster);
    // Two more columns: widen a narrow stream pane once, so that the names still show.
    if (cluster && !shown)
        Q_EMIT wantsWidth(480);
}

} // namespace streamscope
