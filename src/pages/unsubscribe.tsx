/** @jsxImportSource hono/jsx */
import { Layout } from './layout';

/** A GET never unsubscribes (mail scanners follow links): this page asks for one click. */
export function UnsubscribePage(props: { token: string }) {
  return (
    <Layout title="Unsubscribe">
      <h1>Stop your alerts?</h1>
      <p class="lede">We will delete your choices and send you nothing more.</p>
      <form method="post" action={`/unsubscribe?token=${encodeURIComponent(props.token)}`}>
        <input type="hidden" name="List-Unsubscribe" value="One-Click" />
        <button type="submit" class="danger">
          Unsubscribe
        </button>
      </form>
    </Layout>
  );
}
