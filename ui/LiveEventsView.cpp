#include "LiveEventsView.h"

#include "EntryDetailView.h"
#include "LiveEventModel.h"
#include "LiveFilterModel.h"
#include "Palette.h"
#include "Session.h"
#include "WarningBanner.h"
#include "Wording.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace streamscope {

LiveEventsView::LiveEventsView(QWidget *parent)
    : QWidget(parent)
    , m_events(new LiveEventModel(this))
    , m_filter(new LiveFilterModel(m_events, this)) {
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("liveEvents"));
    // When the selected row leaves at the cap, QAbstractItemView (single selection) would select
    // the row after it, and the details would jump to that entry. Connected before setModel() so
    // that it runs first: the selection is cleared and the details stay on the entry they show.
    connect(m_filter, &QAbstractItemModel::rowsAboutToBeRemoved, this,
            [this](const QModelIndex &, int first, int last) {
                const QModelIndex current = m_table->currentIndex();
                if (current.isValid() && current.row() >= first && current.row() <= last)
                    m_table->selectionModel()->clear();
            });
    m_table->setModel(m_filter);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    sizeColumns();
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &LiveEventsView::onSelectionChanged);
    // Follow the tail only while the user is at the bottom: scrolling up stops it.
    QScrollBar *scroll = m_table->verticalScrollBar();
    connect(scroll, &QScrollBar::valueChanged, this,
            [this, scroll](int value) { m_follow = value >= scroll->maximum(); });
    connect(scroll, &QScrollBar::rangeChanged, this, [this, scroll](int, int max) {
        if (m_follow && !m_paused)
            scroll->setValue(max);
    });
    // A click on a row while following holds the table still: the row would scroll away, or
    // leave at the cap, under the user's pointer.
    connect(m_table, &QTableView::pressed, this, [this] {
        if (m_follow && !m_paused)
            setPaused(true);
    });

    m_detail = new EntryDetailView;
    m_detail->setObjectName(QStringLiteral("entryDetail"));

    // Entries shown that a failover lost stay said above the live table (see streamReset).
    m_lossBanner = new WarningBanner;
    m_lossBanner->setObjectName(QStringLiteral("liveEventsLost"));
    m_note = new QLabel;
    m_note->setObjectName(QStringLiteral("liveEventsFreshness"));
    m_note->setWordWrap(true);
    m_note->hide();
    m_pauseButton = new QPushButton(tr("Pause"));
    m_pauseButton->setObjectName(QStringLiteral("livePause"));
    m_pauseButton->setCheckable(true);
    m_pauseButton->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    m_pauseButton->setToolTip(tr("Hold the table still; what arrives meanwhile is counted and "
                                 "shown on Resume (Ctrl+P)"));
    connect(m_pauseButton, &QPushButton::toggled, this, &LiveEventsView::setPaused);
    m_pauseLabel = new QLabel;
    m_pauseLabel->setObjectName(QStringLiteral("livePauseText"));
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(2, 2, 2, 2);
    bar->addWidget(m_pauseButton);
    bar->addWidget(m_pauseLabel, 1);

    auto *live = new QWidget;
    auto *liveLayout = new QVBoxLayout(live);
    liveLayout->setContentsMargins(0, 0, 0, 0);
    liveLayout->setSpacing(0);
    liveLayout->addWidget(m_lossBanner);
    liveLayout->addWidget(m_note);
    liveLayout->addLayout(bar);
    liveLayout->addWidget(m_table);

    m_splitter = new QSplitter(Qt::Vertical);
    m_splitter->setObjectName(QStringLiteral("liveSplitter"));
    m_splitter->addWidget(live);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_splitter);
    updatePauseBar();
}

void LiveEventsView::sizeColumns() {
    // From the font, so that a larger font does not cut the times ("21:38:54....").
    const QFontMetrics fm = m_table->fontMetrics();
    const QFontMetrics fixed(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    const int pad = 2 * fm.horizontalAdvance(QLatin1Char('M'));
    m_table->verticalHeader()->setDefaultSectionSize(fm.height() + 6);
    m_table->setColumnWidth(LiveEventModel::TimeColumn,
                            fm.horizontalAdvance(QStringLiteral("00:00:00.000")) + pad);
    m_table->setColumnWidth(LiveEventModel::StreamColumn,
                            fm.horizontalAdvance(QStringLiteral("payment-events")) + pad);
    m_table->setColumnWidth(LiveEventModel::IdColumn,
                            fixed.horizontalAdvance(QStringLiteral("1700000000000-00")) + pad);
}

void LiveEventsView::bind(Session *session) {
    for (const QMetaObject::Connection &c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    m_session = session;
    // Nothing of the previous server stays as if it were this one's.
    m_events->clear();
    m_detail->clearEntry();
    m_shown.reset();
    m_lossBanner->setText({});
    m_held.clear();
    m_heldCount = 0;
    setFreshness(session ? session->freshness() : Freshness());
    updatePauseBar();
    if (!session)
        return;
    m_connections << connect(session, &Session::entriesReceived, this, &LiveEventsView::onEntries);
    m_connections << connect(session, &Session::streamReset, this, [this](const TailReset &reset) {
        // Entries shown that the server no longer has (lost in a failover) stay said, above the
        // live table, until the next connection: a status message goes by unread.
        if (reset.lostInFailover)
            m_lossBanner->setText(reset.describe(), reset.describe());
    });
    m_connections << connect(session, &Session::freshnessChanged, this,
                             &LiveEventsView::setFreshness);
}

void LiveEventsView::onEntries(const StreamEntryList &batch) {
    if (!m_paused) {
        m_events->appendBatch(batch);
        return;
    }
    // Counted as the table would show them: only the streams it is filtered to.
    for (const StreamEntry &e : batch)
        m_heldCount += m_filter->accepts(e.stream) ? 1 : 0;
    m_held.append(batch);
    // Past the cap the oldest would be dropped on Resume anyway.
    m_held.dropFront(m_held.size() - m_events->rowCap());
    updatePauseBar();
}

void LiveEventsView::setPaused(bool paused) {
    if (paused == m_paused)
        return;
    m_paused = paused;
    {
        const QSignalBlocker quiet(m_pauseButton);
        m_pauseButton->setChecked(paused);
    }
    if (!paused) {
        if (!m_held.isEmpty())
            m_events->appendRows(m_held);
        m_held.clear();
        m_heldCount = 0;
        m_follow = true;
        m_table->scrollToBottom();
    }
    updatePauseBar();
}

QString LiveEventsView::pauseText() const {
    return m_pauseLabel->text();
}

void LiveEventsView::updatePauseBar() {
    m_pauseButton->setText(m_paused ? tr("Resume") : tr("Pause"));
    const QString filtered =
        m_filterNames.isEmpty() ? QString() : tr(" (showing %1)").arg(m_filterNames);
    if (!m_paused) {
        // While the server does not answer there is nothing to follow (the note above says why).
        m_pauseLabel->setText(!m_session ? QString()
                              : m_stale  ? tr("Waiting for the server") + filtered
                                         : tr("Following new entries") + filtered);
        return;
    }
    m_pauseLabel->setText((m_heldCount == 0
                               ? tr("Paused: nothing new yet")
                               : tr("Paused: %1 arrived meanwhile")
                                     .arg(countOf(m_heldCount, "new entry", "new entries")))
                          + filtered);
}

void LiveEventsView::setStreamFilter(const QSet<QByteArray> &streams) {
    // Choosing streams never changes the entry shown in the details: the selection is kept
    // when its row stays, and the details go on showing the entry when it does not.
    m_filtering = true;
    const bool changed = m_filter->setStreams(streams);
    QStringList names;
    for (const QByteArray &name : streams)
        names << QString::fromUtf8(name);
    names.sort();
    m_filterNames = names.size() > 3 ? countOf(names.size(), "stream", "streams")
                                     : names.join(QStringLiteral(", "));
    m_filtering = false;
    updatePauseBar();
    if (!changed || !m_shown)
        return;
    const QSignalBlocker quiet(m_table->selectionModel());
    // By stream key and ID, newest first (where a selected row most likely is): no row unpacked.
    const PackedRows &rows = m_events->rows();
    const qint64 key = rows.keyOf(m_shown->stream);
    for (int source = m_events->rowCount() - 1; key >= 0 && source >= 0; --source) {
        if (rows.streamKey(source) == quint32(key) && rows.id(source) == m_shown->id) {
            const int row = m_filter->rowOf(source);
            if (row < 0)
                break;
            m_table->selectRow(row);
            return;
        }
    }
    // Filtered out: no other row is highlighted as if it were the entry in the details.
    m_table->clearSelection();
}

void LiveEventsView::onSelectionChanged() {
    if (m_filtering)
        return;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        // The user cleared it (or the row left at the cap): the details stay on what they show.
        return;
    }
    m_shown = m_events->entry(m_filter->sourceRow(rows.first().row()));
    m_detail->showEntry(*m_shown);
}

void LiveEventsView::setRowCap(int cap) {
    m_events->setRowCap(cap);
}

void LiveEventsView::setFreshness(const Freshness &freshness) {
    // The rows are entries, not figures: they stay as they are; the note says that nothing new
    // can arrive while the server does not answer.
    const bool stale = freshness.state == Freshness::State::Stale;
    if (stale != m_stale) {
        m_stale = stale;
        updatePauseBar();
    }
    m_note->setVisible(stale);
    m_note->setStyleSheet(toneStyle(Tone::Muted));
    const QString last = freshness.lastUpdatedText();
    m_note->setText(
        stale ? tr("No new entries can arrive: %1%2.")
                    .arg(freshness.reason, last.isEmpty() ? QString() : QStringLiteral("; ") + last)
              : QString());
}

QString LiveEventsView::freshnessText() const {
    return m_note->isHidden() ? QString() : m_note->text();
}

StreamEntryList LiveEventsView::find(const QByteArray &field, const QByteArray &value) const {
    StreamEntryList found;
    const PackedRows &rows = m_events->rows();
    for (int row = 0; row < m_events->rowCount(); ++row) {
        const QByteArrayView v = rows.value(row, field);
        if (v == value) // as StreamEntry::value(): a missing field reads as empty
            found.append(rows.entry(row));
    }
    return found;
}

QString LiveEventsView::lostEntriesText() const {
    return m_lossBanner->text();
}

} // namespace streamscope
