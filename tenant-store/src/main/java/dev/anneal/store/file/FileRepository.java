package dev.anneal.store.file;

import dev.anneal.store.NotFoundException;
import dev.anneal.store.Page;
import dev.anneal.store.PageRequest;
import dev.anneal.store.quota.Quotas;
import dev.anneal.store.tenant.CurrentTenant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Optional;

/**
 * The current tenant's file records. Every query here but {@link #find} is filtered by Hibernate's
 * tenant discriminator; {@code find} states the tenant itself. Another tenant's file is as absent
 * as one that never existed.
 */
@ApplicationScoped
public class FileRepository {

    private final EntityManager em;
    private final Quotas quotas;
    private final CurrentTenant currentTenant;

    @Inject
    FileRepository(EntityManager em, Quotas quotas, CurrentTenant currentTenant) {
        this.em = em;
        this.quotas = quotas;
        this.currentTenant = currentTenant;
    }

    /**
     * The tenant's file with this id. Native SQL that states the tenant itself, the one exception
     * to the filter here (ADR 0039): every job's creation looks its file up, and Hibernate builds
     * the SQL of a filtered HQL query or load by key anew on every call.
     */
    @Transactional
    public Optional<StoredFile> find(String id) {
        Optional<String> tenant = currentTenant.id();
        if (tenant.isEmpty()) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        List<StoredFile> files =
                em.createNativeQuery(
                                "select * from stored_file where id = :id and tenant_id = :tenant",
                                StoredFile.class)
                        .setParameter("id", id)
                        .setParameter("tenant", tenant.get())
                        .getResultList();
        return files.stream().findFirst();
    }

    /** The file, or {@link NotFoundException} naming {@code param}. */
    public StoredFile get(String id, String param) {
        return find(id).orElseThrow(() -> new NotFoundException("file", id, param));
    }

    /** A page of files, optionally of one purpose. */
    @Transactional
    public Page<StoredFile> list(FilePurpose purpose, PageRequest page) {
        String direction = page.newestFirst() ? "desc" : "asc";
        String comparison = page.newestFirst() ? "<" : ">";
        StringBuilder hql = new StringBuilder("from StoredFile f where 1 = 1");
        if (purpose != null) {
            hql.append(" and f.purpose = :purpose");
        }
        if (page.after() != null) {
            hql.append(" and f.seq ")
                    .append(comparison)
                    .append(" (select a.seq from StoredFile a where a.id = :after)");
        }
        hql.append(" order by f.seq ").append(direction);
        TypedQuery<StoredFile> query = em.createQuery(hql.toString(), StoredFile.class);
        if (purpose != null) {
            query.setParameter("purpose", purpose.wireName());
        }
        if (page.after() != null) {
            get(page.after(), "after");
            query.setParameter("after", page.after());
        }
        List<StoredFile> rows = query.setMaxResults(page.limit() + 1).getResultList();
        boolean hasMore = rows.size() > page.limit();
        return new Page<>(hasMore ? rows.subList(0, page.limit()) : rows, hasMore);
    }

    @Transactional
    void insert(StoredFile file) {
        em.persist(file);
    }

    /**
     * Records an upload if it fits the tenant's quotas, checked under the tenant's lock so that
     * concurrent uploads cannot both take the last room.
     *
     * @throws dev.anneal.store.quota.QuotaExceededException if it does not fit
     */
    @Transactional
    void insertUpload(StoredFile file) {
        quotas.requireRoomForFile(currentTenant.require(), file.bytes());
        em.persist(file);
    }

    /** Removes the record; true if it existed for the current tenant. */
    @Transactional
    boolean delete(String id) {
        Optional<StoredFile> file = find(id);
        file.ifPresent(em::remove);
        return file.isPresent();
    }
}
